"""The learning rate the Tinker cookbook recommends for LoRA, written from its published formula:

    lr = 5e-5 (full fine-tuning base) x 10 (LoRA over full fine-tuning) x (2000 / hidden size) ** exponent

with the family exponent fitted by Thinking Machines (Llama 0.781, Qwen 0.0775). Other families have no
published exponent, so their rate must be given. Hidden sizes are those of the models' published configs
(read offline: no hub lookup at run time); `tinker.hidden_size` names one this table lacks.
"""

from __future__ import annotations

import re

BASE_LR, LORA_MULTIPLIER = 5e-5, 10.0
EXPONENTS = {"llama": 0.781, "qwen": 0.0775}
HIDDEN_SIZES = {
    "meta-llama/Llama-3.1-8B": 4096, "meta-llama/Llama-3.1-8B-Instruct": 4096,
    "meta-llama/Llama-3.1-70B": 8192, "meta-llama/Llama-3.3-70B-Instruct": 8192,
    "meta-llama/Llama-3.2-1B": 2048, "meta-llama/Llama-3.2-3B": 3072,
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": 4096,
    "Qwen/Qwen3-8B": 4096, "Qwen/Qwen3-14B": 5120, "Qwen/Qwen3-32B": 5120,
    "Qwen/Qwen3-30B-A3B": 2048, "Qwen/Qwen3-30B-A3B-Instruct-2507": 2048,
    "Qwen/Qwen3-235B-A22B": 4096, "Qwen/Qwen3-235B-A22B-Instruct-2507": 4096,
    "Qwen/Qwen2.5-Coder-32B-Instruct": 5120,
}
RECOMMENDED = re.compile(r"^\s*recommended\s*(?:\*\s*(?P<factor>[0-9.eE+-]+))?\s*$")


def family_exponent(model: str) -> float | None:
    name = model.lower()
    return next((p for fam, p in EXPONENTS.items() if fam in name), None)


def recommended_lr(model: str, *, hidden_size: int | None = None) -> float:
    """The cookbook's recommended LoRA learning rate for `model` (ValueError when it cannot be computed)."""
    exponent = family_exponent(model)
    if exponent is None:
        raise ValueError(f"no published learning-rate exponent for {model!r} (known: Llama, Qwen); give the rate")
    hidden = hidden_size or HIDDEN_SIZES.get(model)
    if hidden is None:
        raise ValueError(f"hidden size of {model!r} unknown; set tinker.hidden_size")
    return BASE_LR * LORA_MULTIPLIER * (2000 / hidden) ** exponent


def resolve_lr(value: float | str, model: str, *, hidden_size: int | None = None) -> float:
    """A learning rate as given, or "recommended" / "recommended*F" computed for `model`."""
    if not isinstance(value, str):
        return float(value)
    m = RECOMMENDED.match(value)
    if not m:
        raise ValueError(f"learning rate {value!r}: give a number, 'recommended' or 'recommended*FACTOR'")
    return recommended_lr(model, hidden_size=hidden_size) * float(m.group("factor") or 1.0)
