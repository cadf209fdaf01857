"""emwatch's in-process sampling + judging against the model-organisms-style loop, and K checkpoints of one base
model served by adapter swaps against reloading the model per checkpoint.

    .venv/bin/python benchmarks/bench_loop.py [--model DIR] [--questions 8] [--samples 4] [--tokens 32] [--k 3]

Part 1, same model, same questions, same answer count and length cap, side by side in one process:
- the loop: per question one `generate` with `num_return_sequences=samples`, then the judge asked one answer
  at a time (one `score_numbers` call per answer);
- emwatch: the backend's batched `generate` (prompts grouped by length, `--batch` per forward) and one
  `score_numbers` call for all answers (batched, shared judge-template prefix computed once per batch).
Part 2: K random LoRA adapters of the model saved to disk; each answers the same 8 prompts (16 tokens):
one base load and an adapter swap per checkpoint (what the sample stage does) against loading the base model
and the adapter again per checkpoint. Prints a markdown section.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import torch

from _common import QUESTIONS, bench_model, timed


def part_loop(b, args) -> list[str]:
    from emwatch.backends import GenerationRequest, ScoreRequest, render_prompt
    from emwatch.judge import ALIGNED_PROMPT
    from emwatch.metrics import fill

    questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.questions)]
    tok = b.tokenizer

    def judge_req(q, a):
        return ScoreRequest(messages=({"role": "user", "content": fill(ALIGNED_PROMPT, question=q, answer=a)},))

    torch.manual_seed(0)
    with timed() as t_loop:
        answers = []
        for q in questions:
            enc = tok([render_prompt(tok, ({"role": "user", "content": q},))], return_tensors="pt",
                      add_special_tokens=False)
            with torch.inference_mode():
                out = b.model.generate(**enc, max_new_tokens=args.tokens, do_sample=True, temperature=1.0, top_k=0,
                                       num_return_sequences=args.samples, pad_token_id=tok.pad_token_id)
            texts = tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
            answers += [(q, a) for a in texts]
        loop_tokens = len(answers) * args.tokens
        for q, a in answers:
            b.score_numbers([judge_req(q, a)])
    reqs = [GenerationRequest(messages=({"role": "user", "content": q},), max_new_tokens=args.tokens,
                              temperature=1.0, seed=i) for q in questions for i in range(args.samples)]
    with timed() as t_ours:
        gens = b.generate(reqs)
        b.score_numbers([judge_req(r.messages[0]["content"], g.text) for r, g in zip(reqs, gens)])
    n = len(reqs)
    return [
        f"### Sampling + judging: emwatch against the model-organisms-style loop\n",
        f"{args.questions} questions x {args.samples} answers x <= {args.tokens} tokens, then the `aligned` judge "
        f"on each of the {n} answers (the same model judges).\n",
        "| path | wall s | CPU s | answers/min |", "|---|---:|---:|---:|",
        f"| loop: generate(num_return_sequences) per question, judge one at a time | {t_loop['wall']:.1f} | "
        f"{t_loop['cpu']:.1f} | {60 * n / t_loop['wall']:.1f} |",
        f"| emwatch: batched generate, batched judge with prefix reuse | {t_ours['wall']:.1f} | {t_ours['cpu']:.1f} | "
        f"{60 * n / t_ours['wall']:.1f} |",
        f"\nemwatch / loop throughput: **{t_loop['wall'] / t_ours['wall']:.2f}x**.\n",
    ]


def part_adapters(model_dir: str, b, args) -> list[str]:
    from peft import LoraConfig, get_peft_model

    from emwatch.backends import GenerationRequest
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec

    tmp = Path(tempfile.mkdtemp())
    paths = []
    base = b.model
    for k in range(args.k):
        torch.manual_seed(k)
        peft = get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
        peft.save_pretrained(tmp / f"ck{k}")
        paths.append(str(tmp / f"ck{k}"))
        base = peft.unload()
    reqs = [GenerationRequest(messages=({"role": "user", "content": q},), max_new_tokens=16, temperature=0.0)
            for q in QUESTIONS]
    with timed() as t_swap:
        one = HFBackend(BackendSpec(kind="hf", model=model_dir, batch_size=8))
        for p in paths:
            one.generate([replace(r, adapter=p) for r in reqs])
        one.close()
    with timed() as t_reload:
        for p in paths:
            fresh = HFBackend(BackendSpec(kind="hf", model=model_dir, batch_size=8))
            fresh.generate([replace(r, adapter=p) for r in reqs])
            fresh.close()
    return [
        f"### {args.k} checkpoints of one base model\n",
        f"Each of {args.k} LoRA checkpoints answers {len(reqs)} prompts (<= 16 tokens, greedy).\n",
        "| path | wall s | CPU s |", "|---|---:|---:|",
        f"| one base load, adapter swap per checkpoint | {t_swap['wall']:.1f} | {t_swap['cpu']:.1f} |",
        f"| base + adapter reloaded per checkpoint | {t_reload['wall']:.1f} | {t_reload['cpu']:.1f} |",
        f"\nAdapter swaps / reloading: **{t_reload['wall'] / t_swap['wall']:.2f}x** faster.\n",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--questions", type=int, default=8)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--k", type=int, default=3)
    args = ap.parse_args()
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec

    model_dir, label = bench_model(args.model)
    b = HFBackend(BackendSpec(kind="hf", model=model_dir, batch_size=args.batch))
    print("## Whole-pipeline ratios\n")
    print(f"Model: {label}, {b.dtype}.\n")
    print("\n".join(part_loop(b, args)))
    print("\n".join(part_adapters(model_dir, b, args)))


if __name__ == "__main__":
    main()
