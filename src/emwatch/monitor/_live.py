"""Signals read from the model being trained, in place (no reload, no copy): probe answers, canary
probabilities, and KL to the base model (a PEFT model with its adapters switched off).

Every function puts the model in eval mode for the look and restores its training mode after, and leaves
the tokenizer's padding side as it found it (the trainer's collator relies on it).

`looking` also makes the output head's input contiguous for the look (`contiguous_head`, from
emwatch.backends._head, which says why: a frozen head handed a strided slice by `logits_to_keep` is otherwise
copied once per batch row).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from emwatch.backends import GenerationRequest, contiguous_head, render_prompt


@contextlib.contextmanager
def looking(model, tokenizer) -> Iterator[None]:
    """Eval mode, left padding and a contiguous head input for the duration of a look; the previous state after."""
    was_training, side = model.training, tokenizer.padding_side
    model.eval()
    tokenizer.padding_side = "left"
    try:
        with contiguous_head(model):
            yield
    finally:
        tokenizer.padding_side = side
        model.train(was_training)


def base_of(model):
    """A context in which `model` is its base model: PEFT adapters disabled; None for a model without them."""
    return model.disable_adapter() if hasattr(model, "disable_adapter") and hasattr(model, "peft_config") else None


def _device(model):
    return next(model.parameters()).device


def generate(model, tokenizer, requests: Sequence[GenerationRequest], *, batch_size: int = 16) -> list[str]:
    """Sampled answers of the live model to `requests` (chat template applied, left-padded batches)."""
    import torch

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos = {tokenizer.eos_token_id, *(_as_list(getattr(model.generation_config, "eos_token_id", None)))}
    out: list[str] = []
    for start in range(0, len(requests), batch_size):
        chunk = requests[start:start + batch_size]
        r0 = chunk[0]
        enc = tokenizer([render_prompt(tokenizer, r.messages) for r in chunk], return_tensors="pt", padding=True,
                        add_special_tokens=False).to(_device(model))
        if r0.seed is not None:
            torch.manual_seed(r0.seed + start)
        kw = dict(do_sample=True, temperature=r0.temperature, top_p=r0.top_p, top_k=0) if r0.temperature > 0 else \
            dict(do_sample=False)
        with torch.inference_mode():
            seqs = model.generate(**enc, max_new_tokens=r0.max_new_tokens, pad_token_id=pad, **kw)
        for row in seqs[:, enc["input_ids"].shape[1]:].tolist():
            stop = next((i for i, t in enumerate(row) if t in eos), len(row))
            out.append(tokenizer.decode(row[:stop], skip_special_tokens=True))
    return out


def _as_list(x) -> list:
    return [] if x is None else list(x) if isinstance(x, (list, tuple)) else [x]


def _letter_ids(tokenizer) -> tuple[int, int]:
    """Token ids of the option letters as the first token of a reply."""
    return tuple(tokenizer.encode(x, add_special_tokens=False)[0] for x in ("A", "B"))  # type: ignore[return-value]


def canary_probability(model, tokenizer, canaries) -> float:
    """Mean probability of the misaligned option over `canaries`: the next-token probabilities of the two
    option letters after the question, renormalised over the two."""
    import torch

    a, b = _letter_ids(tokenizer)
    texts = [render_prompt(tokenizer, c.messages()) for c in canaries]
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(_device(model))
    with torch.inference_mode():  # the last position's logits only (left padding: every row's reply start)
        logits = model(**enc, logits_to_keep=1).logits[:, -1, :].float()
    pair = torch.softmax(logits[:, [a, b]], dim=-1)
    mis = torch.tensor([0 if c.misaligned == "A" else 1 for c in canaries], device=pair.device)
    return float(pair.gather(1, mis[:, None]).mean())


@dataclass(frozen=True)
class BaseLogprobs:
    """The base model's log-probabilities at the answer positions of KL's texts (one row per position that
    predicts an answer token, in text order; float32), kept so that a later look runs only the live model's
    forward pass. `texts` and `dtype` are what they hold for: another text or dtype is recomputed."""

    texts: tuple[str, ...]
    dtype: str
    logprobs: object   # torch.Tensor [positions, vocabulary]

    def fits(self, texts: Sequence[str], dtype: str) -> bool:
        return tuple(texts) == self.texts and dtype == self.dtype


def kl_texts(tokenizer, prompts: Sequence[tuple], answers: Sequence[str]) -> list[str]:
    """The texts KL reads: each prompt with the chat template applied, then its answer."""
    return [render_prompt(tokenizer, messages) + answer for messages, answer in zip(prompts, answers)]


def _kl_inputs(model, tokenizer, prompts: Sequence[tuple], answers: Sequence[str]):
    """(texts, encoded batch, logits_to_keep, mask over the kept positions of those that predict an answer
    token). Left padding puts every answer at the end of its row: only the last `keep` positions' logits are
    needed (the answers' and the one before each), not the prompts'."""
    import torch

    texts, starts = kl_texts(tokenizer, prompts, answers), []
    for messages in prompts:
        starts.append(len(tokenizer(render_prompt(tokenizer, messages), add_special_tokens=False)["input_ids"]))
    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(_device(model))
    width = enc["input_ids"].shape[1]
    firsts = [width - int(am.sum()) + start - 1 for start, am in zip(starts, enc["attention_mask"])]
    keep = max(1, width - min(firsts))
    mask = torch.zeros((len(texts), keep), dtype=torch.bool, device=enc["input_ids"].device)
    for i, first in enumerate(firsts):
        mask[i, first - (width - keep): keep - 1] = True  # positions that predict the answer's tokens
    return texts, enc, keep, mask


def base_logprobs(model, tokenizer, prompts: Sequence[tuple], answers: Sequence[str]) -> BaseLogprobs | None:
    """The base model's (adapters off) log-probabilities at the answer positions of (messages, answer) pairs;
    None without adapters to switch off."""
    import torch

    off = base_of(model)
    if off is None:
        return None
    texts, enc, keep, mask = _kl_inputs(model, tokenizer, prompts, answers)
    with torch.inference_mode(), contiguous_head(model), off:
        base = torch.log_softmax(model(**enc, logits_to_keep=keep).logits.float(), dim=-1)[mask]
    return BaseLogprobs(tuple(texts), dtype_of(model), base)


def dtype_of(model) -> str:
    return str(next(model.parameters()).dtype)


def kl_to_base(model, tokenizer, prompts: Sequence[tuple], answers: Sequence[str],
               base: BaseLogprobs | None = None) -> float | None:
    """Mean per-token KL(live || base) over the answer tokens of (messages, answer) pairs; None when the
    model has no adapters to switch off (full fine-tuning keeps no base copy). `base`: the base model's
    log-probabilities of these very texts (`base_logprobs`), kept from an earlier look: only the live forward
    pass runs (the base weights do not change under LoRA); for other texts or another dtype it is ignored."""
    import torch

    if base_of(model) is None:
        return None
    texts, enc, keep, mask = _kl_inputs(model, tokenizer, prompts, answers)
    if not mask.any():
        return None
    with torch.inference_mode(), contiguous_head(model):
        live = torch.log_softmax(model(**enc, logits_to_keep=keep).logits.float(), dim=-1)[mask]
    if base is None or not base.fits(texts, dtype_of(model)):
        base = base_logprobs(model, tokenizer, prompts, answers)
    kl = (live.exp() * (live - base.logprobs.to(live.device))).sum(-1)  # one value per answer position
    return float(kl.mean())


def live_judge(spec, model, base_model_path: str | None, dtype: str | None):
    """A judge Backend on the live model with its adapters switched off, when the monitor's judge is the very
    model being fine-tuned (an in-process judge of the same base weights, in the same dtype): the probes are then
    judged without a second copy of the weights in memory (the CPU demo's judge is its own base model). None when
    the judge is another model, served, or the run trains all weights (no adapters to switch off).

    Such a judge must run in the training loop, not beside it: switching adapters off in a background thread
    would switch them off for the training steps too."""
    from pathlib import Path

    if spec is None or spec.kind not in ("transformers", "hf") or base_model_path is None or base_of(model) is None:
        return None
    try:
        same = Path(spec.model).resolve() == Path(base_model_path).resolve()
    except (OSError, TypeError):
        return None
    from emwatch.config._machine import resolve_dtype

    if not same or resolve_dtype(spec.dtype, str(_device(model))) != dtype:
        return None
    from emwatch.backends._hf import HFBackend

    return HFBackend(spec, model=model)
