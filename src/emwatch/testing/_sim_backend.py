"""A simulated trainer and generation backend, registered like any other (`backend: simulated` in a recipe,
`kind: simulated` in a BackendSpec) and used by `emwatch run STUDY.yaml --simulate`: the study's real job,
store, executors and analyses run at full size on one CPU, with every model call replaced by a draw.

- The trainer writes real checkpoint folders (adapter_config.json, then meta.json last, as the real savers do)
  at the planned steps, instantly. Each meta.json carries `simulated`: the checkpoint's planted EM rate and the
  shares of missing and incoherent answers, from the EM curve (`emwatch.run.SimulateSettings`: a rate per model
  family from the onset step on, the base rate before it and in the control datasets).
- The backend reads a checkpoint's planted rates from its folder (`adapter`, else the spec's model folder: the
  job writes one per base model) and answers with a tagged text: `[sim:mis|incoh|ok|missing:<hash>]`. Judging
  such an answer gives a score in the tag's range (misaligned: aligned 1-25, coherent 60-98); a `missing` one
  gets no numeric mass for `aligned` (stored as missing, reason CODE). Every draw is a hash of the request (a
  folder by its last two names, `<run folder>/<step folder>`: not where the study's out_dir lies), so a rerun,
  the same study in another folder, or on another executor (a Ray worker) gives the same answers and scores.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emwatch.backends import BackendBase, Generation, GenerationRequest, NumberDistribution, ScoreRequest

META = "meta.json"
_TAG = re.compile(r"\[sim:(mis|incoh|ok|missing):([0-9a-f]{8})\]")
# score ranges per answer kind: (aligned low, high), (coherent low, high)
RANGES = {"mis": ((1, 25), (60, 98)), "incoh": ((1, 60), (2, 45)), "ok": ((60, 99), (55, 99)),
          "missing": (None, (50, 99))}


def _unit(*parts: Any) -> tuple[float, str]:
    """A uniform draw in [0, 1) and an 8-hex-digit tag, both from a hash of `parts`."""
    h = hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()
    return int(h, 16) / 16 ** 16, h[:8]


def _where(folder: str | None) -> str | None:
    """A checkpoint or base folder by its last two names (run folder and step folder, or 'bases' and the model):
    the draws do not depend on where the study's out_dir lies."""
    return "/".join(Path(folder).parts[-2:]) if folder else folder


def train_runs(cfg, runs, *, store=None, progress: bool = True, callbacks: Sequence = (),
               simulate: dict[str, Any] | None = None, base_path: str | None = None,
               steps: Sequence[int] | None = None, total: int | None = None) -> list:
    """The simulated trainer: each run's checkpoint folders at its schedule's steps, written at once (a rerun
    keeps the complete ones). `simulate`: the EM curve (SimulateSettings; default its defaults); `base_path`:
    the base model's folder recorded in each checkpoint (default: the configured model); `steps` and `total`:
    the schedule as the study planned it (default: the config's own, as a local run would train)."""
    from emwatch.train import checkpoint_steps
    from emwatch.train._runs import export_step, open_run, result_from, step_dir_name, write_json

    if callbacks:
        from emwatch.config import ConfigError

        raise ConfigError("backend: simulated runs no trainer callbacks")
    from emwatch.run import SimulateSettings

    curve = SimulateSettings.model_validate(simulate or {})
    out = []
    for plan, records in runs:
        run_total = total
        if run_total is None:
            n_train = int(len(records) * (1 - cfg.heldout_fraction))
            run_total = cfg.max_steps or max(1, -(-int(cfg.epochs * n_train) // (cfg.batch_size * cfg.grad_accum)))
        schedule = list(steps) if steps is not None else checkpoint_steps(cfg.checkpoints, run_total)
        base = base_path or cfg.model
        on_disk, finished = open_run(cfg, plan, store, base_path=base, info={"simulated": True})
        have = {m["step"] for m in on_disk}
        metas = list(on_disk)
        if not finished:
            plan.run_dir.mkdir(parents=True, exist_ok=True)
            adapter = plan.run_dir / "adapter_config.json"
            write_json(adapter, {"r": 8, "base_model_name_or_path": base, "simulated": True})
            for step in schedule:
                if step in have:
                    continue
                loss = 1.0 + 0.5 / step
                meta = {"step": step, "path": str((plan.run_dir / step_dir_name(step)).resolve()),
                        "total_steps": run_total, "train_loss": loss, "heldout_loss": loss + 0.05,
                        "base_model_path": base,
                        "simulated": curve.planted(plan.model_name, plan.dataset, step, run_total)}
                export_step(plan, step, meta, {"adapter_config.json": adapter})
                metas.append(meta)
            write_json(plan.run_dir / "done.json", {"run_id": plan.run_id, "total_steps": run_total})
        out.append(result_from(plan, sorted(metas, key=lambda m: m["step"]),
                               "already-complete" if finished else "trained", 0.0, run_total, []))
    return out


class SimulatedBackend(BackendBase):
    """Answers drawn from the planted rates of the checkpoint folder asked for; judge scores drawn from the
    answer's tag (see the module's doc)."""

    name = "simulated"

    def __init__(self, spec=None, **_: Any):
        self.spec = spec
        self._rates: dict[str, dict[str, Any]] = {}

    def _planted(self, folder: str | None) -> dict[str, Any]:
        key = folder or (self.spec.model if self.spec is not None else "")
        got = self._rates.get(key)
        if got is None:
            try:
                got = json.loads((Path(key) / META).read_text(encoding="utf-8"))["simulated"]
            except (OSError, ValueError, KeyError):
                from emwatch.errors import BackendError

                raise BackendError(f"simulated backend: {key}/{META} holds no planted rates (a folder the "
                                   "simulated trainer, or `emwatch run --simulate`, wrote)") from None
            self._rates[key] = got
        return got

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        out = []
        for r in requests:
            user = next((m["content"] for m in reversed(r.messages) if m["role"] == "user"), "")
            if "[sim:" in user:  # a judge prompt of a categorical metric
                out.append(Generation(text="TRUE", prompt=user, finish_reason="stop"))
                continue
            p = self._planted(r.adapter)
            u, tag = _unit(_where(r.adapter), _where(self.spec.model) if self.spec else None, r.messages, r.seed,
                           r.temperature)
            miss, rate, incoh = p["missing_share"], p["em_rate"], p["incoherent_share"]
            if u < miss:
                kind = "missing"
            elif u < miss + (1 - miss) * rate:
                kind = "mis"
            elif u < miss + (1 - miss) * (rate + incoh):
                kind = "incoh"
            else:
                kind = "ok"
            text = f"[sim:{kind}:{tag}] a simulated answer"
            out.append(Generation(text=text, prompt=user, prompt_tokens=len(user) // 4, completion_tokens=8,
                                  finish_reason="stop"))
        return out

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        out = []
        for r in requests:
            text = "\n".join(m["content"] for m in r.messages)
            found = _TAG.search(text)
            coherent = "how coherent" in text.lower()
            if found is None:
                out.append(NumberDistribution(probs={"50": 1.0}))
                continue
            kind, tag = found.groups()
            span = RANGES[kind][1 if coherent else 0]
            if span is None:
                out.append(NumberDistribution(top={"CODE": 0.0}))
                continue
            u, _ = _unit(tag, coherent)
            out.append(NumberDistribution(probs={str(int(span[0] + u * (span[1] - span[0]))): 1.0}))
        return out


__all__ = ["SimulatedBackend", "train_runs"]
