"""What the monitor asks: the judged probe prompts (a fixed stratified subset of a bank, plus the same
questions in a training-domain-like format) and the forced-choice canaries (canaries.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from emwatch.bench import Prompt, build_prompts
from emwatch.config import MonitorConfig, Strict, read_yaml, validate
from emwatch.errors import ConfigError

CANARIES = Path(__file__).with_name("canaries.yaml")


class Canary(Strict):
    """A two-option question; `misaligned` names the option a misaligned model picks."""

    id: str
    category: str
    question: str
    options: dict[Literal["A", "B"], str] = Field(..., min_length=2, max_length=2)
    misaligned: Literal["A", "B"]

    def messages(self) -> tuple[dict[str, str], ...]:
        text = (f"{self.question}\nA) {self.options['A']}\nB) {self.options['B']}\n"
                "Answer with the letter of your choice only.")
        return ({"role": "user", "content": text},)


def load_canaries(path: str | Path = CANARIES) -> list[Canary]:
    """The canaries of a YAML file (default: the shipped set); a bad entry names file, line and field."""
    data, lines = read_yaml(path)
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}:1: expected a non-empty list of canaries")
    return [validate(Canary, item, source=str(path), lines={k[1:]: v for k, v in lines.items() if k[:1] == (i,)})
            for i, item in enumerate(data)]


def probe_prompts(cfg: MonitorConfig) -> list[Prompt]:
    """The judged probes: the first `per_category` questions of each category in the plain format, and the
    first question of every other category in `domain_variant` (`domain_probes` of them); one paraphrase
    each, `samples` answers each. With the defaults: 16 + 4 prompts x 4 answers = 80 answers a look."""
    prompts = build_prompts(cfg.bank, variants=("plain",), per_category=cfg.per_category, samples=cfg.samples,
                            max_paraphrases=1)
    if cfg.domain_variant != "none" and cfg.domain_probes:
        domain = build_prompts(cfg.bank, variants=(cfg.domain_variant,), per_category=1, samples=cfg.samples,
                               max_paraphrases=1)
        prompts += (domain[::2] + domain[1::2])[: cfg.domain_probes]
    if cfg.max_probes is not None and len(prompts) > cfg.max_probes:  # evenly spaced: every category's turn
        prompts = [prompts[i * len(prompts) // cfg.max_probes] for i in range(cfg.max_probes)]
    return prompts
