"""Answer activations: the residual stream after chosen layers, averaged over an answer's tokens (after its forced
opening, if any), each answer teacher-forced under its messages; the model is computed only up to the deepest
layer asked for. Used to build the persona direction and to read the live `persona` signal."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emwatch.backends import render_prompt
from emwatch.monitor import _live


def answer_activations(model, tokenizer, pairs: Sequence[tuple], layers: Sequence[int], *,
                       batch_size: int = 16) -> np.ndarray:
    """[pairs, layers, hidden] float32: the residual stream after each of `layers` (hidden_states index: 0 is
    the embeddings), averaged over the answer tokens of each (messages, answer) pair read under its messages.
    A pair (messages, answer, opening) with `answer` starting with `opening` is averaged over the tokens after
    the opening only (those the model wrote itself). Call inside `_live.looking` (eval mode, left padding)."""
    return _answer_means(model, tokenizer, pairs, layers, batch_size=batch_size)[0]


def _answer_means(model, tokenizer, pairs: Sequence[tuple], layers: Sequence[int], *,
                  batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(means over the tokens after each pair's opening, means over all its answer tokens), each as
    `answer_activations` returns it; one forward pass."""
    import torch

    after, whole = [], []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        texts, starts, skips = [], [], []
        for messages, answer, *opening in chunk:
            prompt = render_prompt(tokenizer, messages)
            starts.append(len(tokenizer(prompt, add_special_tokens=False)["input_ids"]))
            head = opening[0] if opening and opening[0] else ""
            if head and not answer.startswith(head):
                raise ValueError(f"answer {start + len(texts)} does not start with its opening {head!r}")
            skips.append(len(tokenizer(prompt + head, add_special_tokens=False)["input_ids"]) - starts[-1]
                         if head else 0)
            texts.append(prompt + answer)
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(_live._device(model))
        width = enc["input_ids"].shape[1]
        hs = _hidden_states(model, enc, layers)
        stacked = torch.stack([hs[layer] for layer in layers], dim=1).float()  # [batch, layers, width, hidden]
        for i, (s, skip, total) in enumerate(zip(starts, skips, enc["attention_mask"].sum(1).tolist())):
            first = width - int(total) + s  # left padding: the answer is the row's last tokens
            if first + skip >= width:
                raise ValueError(f"answer {start + i} has no tokens of its own after its prompt"
                                 + (" and opening" if skip else ""))
            whole.append(stacked[i, :, first:, :].mean(dim=1).cpu().numpy())
            after.append(stacked[i, :, first + skip:, :].mean(dim=1).cpu().numpy())
    if not after:
        empty = np.zeros((0, len(layers), 0), np.float32)
        return empty, empty
    return np.stack(after), np.stack(whole)


class _Enough(Exception):
    """Raised by a forward hook once the deepest wanted layer has run: the layers above it are not computed."""


def _hidden_states(model, enc, layers: Sequence[int]) -> dict[int, object]:
    """{layer: hidden states [batch, width, hidden]} as `output_hidden_states` numbers them (0: embeddings; l: the
    output of decoder layer l-1), computing the model only up to the deepest of `layers` where its decoder
    layers can be found (a ModuleList named *layers of the configured depth), else with a whole forward pass."""
    import torch

    n = model.config.get_text_config().num_hidden_layers
    stack = next((m for name, m in model.named_modules()
                  if name.endswith("layers") and isinstance(m, torch.nn.ModuleList) and len(m) == n), None)
    if stack is None or 0 in layers or max(layers) >= n:
        with torch.inference_mode():
            hs = model(**enc, output_hidden_states=True, logits_to_keep=1).hidden_states
        return {layer: hs[layer] for layer in layers}
    got: dict[int, object] = {}
    deepest = max(layers)

    def keep(layer):
        def hook(_module, _args, output):
            got[layer] = output[0] if isinstance(output, tuple) else output
            if layer == deepest:
                raise _Enough
        return hook

    handles = [stack[layer - 1].register_forward_hook(keep(layer)) for layer in layers]
    try:
        with torch.inference_mode():
            model(**enc, logits_to_keep=1)
    except _Enough:
        pass
    finally:
        for h in handles:
            h.remove()
    return got


def candidate_layers(n_layers: int, fractions: Sequence[float]) -> list[int]:
    """hidden_states indices for the fractions of the depth (1..n_layers-1: past the embeddings, before the
    last layer's output, which the model has normalised)."""
    top = max(1, n_layers - 1)
    return sorted({min(top, max(1, round(n_layers * f))) for f in fractions})
