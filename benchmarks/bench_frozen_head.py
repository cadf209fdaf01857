"""HFBackend on a LoRA checkpoint with and without the contiguous head input (emwatch.backends._head).

A LoRA checkpoint leaves the output head frozen; a forward pass that keeps only the last positions' logits
(generate's prefill, the judge's first pass) hands it a strided slice, and torch then copies the head once per
batch row. HFBackend installs `contiguous_head` around every call; this script times the same calls with it
swapped for a no-op, alternating the two in one run, and checks that the answers and scores are the same.

    .venv/bin/python benchmarks/bench_frozen_head.py [--model DIR] [--n 8] [--tokens 32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import QUESTIONS, bench_model, machine_line, timed  # noqa: E402

import emwatch.backends._hf as hf  # noqa: E402
from emwatch.backends import GenerationRequest, ScoreRequest  # noqa: E402
from emwatch.config import BackendSpec  # noqa: E402
from emwatch.judge import ALIGNED_PROMPT  # noqa: E402
from emwatch.metrics import fill  # noqa: E402


def make_adapter(model_dir: str, out: Path) -> str:
    """A r=8 LoRA on q/v of `model_dir` with B drawn N(0, 0.02) from seed 0 (PEFT starts B at zero: no change)."""
    from emwatch.testing import random_lora

    model = random_lora(model_dir, r=8, std=0.02, seed=0)
    model.save_pretrained(out)
    del model
    return str(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--n", type=int, default=8, help="answers per call (one batch)")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2, help="timed calls per way, alternating")
    args = ap.parse_args()
    model, label = bench_model(args.model)
    print(machine_line())
    adapter = make_adapter(model, Path(tempfile.mkdtemp()) / "adapter")
    b = hf.HFBackend(BackendSpec(kind="hf", model=model, dtype=args.dtype, batch_size=args.n))
    gens = [GenerationRequest(messages=({"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},),
                              max_new_tokens=args.tokens, temperature=0.0, adapter=adapter) for i in range(args.n)]
    b.generate(gens[:1])  # loads the adapter (PEFT freezes the head) and warms up
    head = b.model.get_output_embeddings()
    print(f"model: {label}  dtype: {b.dtype}  threads: {torch.get_num_threads()}  head {tuple(head.weight.shape)}"
          f" requires grad: {head.weight.requires_grad}")
    hooked_ctx = hf.contiguous_head
    ways = {"hook": hooked_ctx, "no hook": lambda _m: contextlib.nullcontext()}
    times: dict[str, dict[str, list[float]]] = {w: {"generate": [], "score": []} for w in ways}
    cpu: dict[str, dict[str, list[float]]] = {w: {"generate": [], "score": []} for w in ways}
    outs: dict[str, dict[str, object]] = {w: {} for w in ways}
    scores = None
    for r in range(args.rounds):
        for way in (list(ways) if r % 2 == 0 else list(ways)[::-1]):
            hf.contiguous_head = ways[way]
            try:
                with timed() as t:
                    got = b.generate(gens)
                times[way]["generate"].append(t["wall"])
                cpu[way]["generate"].append(t["cpu"])
                outs[way]["generate"] = [g.text for g in got]
                if scores is None:
                    scores = [ScoreRequest(messages=({"role": "user", "content": fill(
                        ALIGNED_PROMPT, question=q.messages[0]["content"], answer=g.text)},), adapter=adapter)
                        for q, g in zip(gens, got)]
                b._prefix = None   # each call computes its shared prefix afresh, like the first judge batch
                with timed() as t:
                    dists = b.score_numbers(scores)
                times[way]["score"].append(t["wall"])
                cpu[way]["score"].append(t["cpu"])
                outs[way]["score"] = [d.probs for d in dists]
            finally:
                hf.contiguous_head = hooked_ctx
    toks = sum(len(b.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in outs["hook"]["generate"])
    print(f"{args.n} answers x <= {args.tokens} new tokens (greedy, one batch, LoRA adapter r=8), then the 0-100 "
          f"judge scores of those {args.n} answers by the same checkpoint; median of {args.rounds} alternating rounds")
    for what in ("generate", "score"):
        for unit, got in (("wall", times), ("CPU", cpu)):   # CPU: this process's work, less moved by others' load
            h, p = statistics.median(got["hook"][what]), statistics.median(got["no hook"][what])
            print(f"  {what:8s} {unit:4s}  hook {h:7.1f} s   no hook {p:7.1f} s   ratio {p / h:.2f}x   "
                  f"(rounds: hook {', '.join(f'{x:.1f}' for x in got['hook'][what])}; "
                  f"no hook {', '.join(f'{x:.1f}' for x in got['no hook'][what])})")
    same_text = outs["hook"]["generate"] == outs["no hook"]["generate"]
    diff = max(abs(a.get(k, 0.0) - c.get(k, 0.0)) for a, c in zip(outs["hook"]["score"], outs["no hook"]["score"])
               for k in set(a) | set(c))
    print(f"  same answers: {same_text} ({toks} answer tokens); largest score-probability difference: {diff:.2e}")
    print(machine_line().replace("CPU", "at the end: CPU", 1))


if __name__ == "__main__":
    main()
