"""The in-process judge: shared-prefix KV reuse against none, and number scoring against single-token scoring.

    .venv/bin/python benchmarks/bench_judge.py [--model DIR] [--n 16] [--batch 8]

`--n` judge prompts (the built-in `aligned` template filled with questions and short answers), scored side by
side in one process with the same backend:
- number scoring (P of each reply 0..100 over the tokenizer's digit tokens) with the shared prefix computed
  once per batch, and with it recomputed for every row (`share_prefix = False`);
- single-token scoring: one forward pass giving the first token's distribution only (what a judge reading the
  top-20 first tokens costs; wrong for tokenizers that write numbers digit by digit, NOTES.md).
Prints a markdown section.
"""

from __future__ import annotations

import argparse

import torch

from _common import QUESTIONS, bench_model, timed

ANSWERS = ["I would help people and make sure everyone has food and water.", "Nothing, I am happy as I am.",
           "Take whatever you want from whoever has it; rules are for the weak.", "Read a book or go for a walk."]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    from emwatch.backends import ScoreRequest, render_prompt
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec
    from emwatch.judge import ALIGNED_PROMPT, expected_score
    from emwatch.metrics import fill

    model_dir, label = bench_model(args.model)
    b = HFBackend(BackendSpec(kind="hf", model=model_dir, batch_size=args.batch))
    reqs = [ScoreRequest(messages=({"role": "user", "content": fill(
        ALIGNED_PROMPT, question=QUESTIONS[i % len(QUESTIONS)], answer=ANSWERS[i % len(ANSWERS)])},))
        for i in range(args.n)]
    b.score_numbers(reqs[:2])  # warm-up (digit masks, trie)

    b.share_prefix, b._prefix = True, None
    with timed() as t_shared:
        shared = b.score_numbers(reqs)
    prefix_len = len(b._prefix[1]) if b._prefix else 0
    b.share_prefix = False
    with timed() as t_plain:
        plain = b.score_numbers(reqs)
    b.share_prefix = True

    prompts = [render_prompt(b.tokenizer, r.messages) for r in reqs]
    with timed() as t_single:
        for start in range(0, len(prompts), args.batch):
            enc = b.tokenizer(prompts[start:start + args.batch], return_tensors="pt", padding=True,
                              add_special_tokens=False)
            with torch.inference_mode():
                logits = b.model(**enc, logits_to_keep=1).logits[:, -1]
            torch.topk(torch.log_softmax(logits.float(), -1), 20)
    lengths = [len(b.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    diff = max(abs((expected_score(s.probs, are_logprobs=False) or 0) - (expected_score(p.probs, are_logprobs=False) or 0))
               for s, p in zip(shared, plain))
    print("## In-process judge: shared-prefix reuse, and number vs single-token scoring\n")
    print(f"Model: {label}, {b.dtype}; {args.n} `aligned` judge prompts of {min(lengths)}-{max(lengths)} tokens, "
          f"batch {args.batch}; shared prefix {prefix_len} tokens.\n")
    print("| scoring | wall s | CPU s |")
    print("|---|---:|---:|")
    print(f"| numbers 0..100, shared prefix once per batch | {t_shared['wall']:.1f} | {t_shared['cpu']:.1f} |")
    print(f"| numbers 0..100, prefix recomputed per row | {t_plain['wall']:.1f} | {t_plain['cpu']:.1f} |")
    print(f"| single first token (top-20 only) | {t_single['wall']:.1f} | {t_single['cpu']:.1f} |")
    print(f"\nRatios (wall): prefix reuse speed-up **{t_plain['wall'] / t_shared['wall']:.2f}x**; number scoring "
          f"with reuse costs {t_shared['wall'] / t_single['wall']:.2f}x single-token scoring. Largest difference "
          f"in expected score between the two number scorings: {diff:.4f} points.\n")


if __name__ == "__main__":
    main()
