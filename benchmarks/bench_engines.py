"""CPU sampling speed of each installed engine against the memory-bandwidth bound, on one model and workload.

    .venv/bin/python benchmarks/bench_engines.py [--model DIR] [--batch 8] [--tokens 32] [--no-vllm] [--compile]

Bound = measured read bandwidth / bytes of weights one decode step reads x batch: a decode step streams every
weight once, so no engine on this machine can beat it at this batch. Every engine generates exactly `--tokens`
tokens for each of `--batch` prompts (end-of-sequence ignored), greedy; the first call of each is a warm-up.
Engines: transformers in process (dynamic KV cache; static KV cache; with `--compile` also torch.compile of
the static-cache decode step), vLLM's CPU build from .venv-vllm behind its OpenAI-compatible server (the
prompts sent concurrently), llama.cpp's server when llama-cpp-python is installed (it is not built here: it
compiles from source for ~5 min). Prints a markdown section.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from _common import QUESTIONS, bench_model, decode_bytes, timed

ROOT = Path(__file__).resolve().parents[1]


def hf_rows(model_dir: str, batch: int, tokens: int, compile_: bool):
    from emwatch.backends import render_prompt
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec

    b = HFBackend(BackendSpec(kind="hf", model=model_dir, batch_size=batch))
    prompts = [render_prompt(b.tokenizer, ({"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},))
               for i in range(batch)]
    enc = b.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    kw = dict(max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False, pad_token_id=b.tokenizer.pad_token_id)
    variants = [("transformers, dynamic KV cache", {}), ("transformers, static KV cache", {"cache_implementation": "static"})]
    rows = []
    for label, extra in variants:
        with torch.inference_mode():
            b.model.generate(**enc, **{**kw, "max_new_tokens": 4, "min_new_tokens": 4}, **extra)  # warm-up
            with timed() as t:
                out = b.model.generate(**enc, **kw, **extra)
        n = (out.shape[1] - enc["input_ids"].shape[1]) * batch
        rows.append((label, n / t["wall"], t))
    if compile_:
        b.model.forward = torch.compile(b.model.forward, mode="reduce-overhead", dynamic=False)
        with torch.inference_mode():
            b.model.generate(**enc, **kw, cache_implementation="static")  # compiles
            with timed() as t:
                out = b.model.generate(**enc, **kw, cache_implementation="static")
        rows.append(("transformers, static KV cache + torch.compile", tokens * batch / t["wall"], t))
    return b, rows


def vllm_row(model_dir: str, batch: int, tokens: int, dtype: str):
    sys.path.insert(0, str(ROOT / "tests"))
    from vllm_server import VLLMServer, vllm_python

    if not vllm_python().exists():
        return ("vLLM (CPU build)", None, "not installed (.venv-vllm missing: scripts/setup_vllm.sh)")
    from openai import OpenAI

    server = VLLMServer(model=model_dir, served_name="bench", dtype=dtype, max_model_len=1024, kv_cache_gb=2)
    with server:
        started = time.perf_counter()
        server.start()
        server.wait_ready(timeout=900)
        ready = time.perf_counter() - started
        client = OpenAI(base_url=server.url, api_key="none")

        def one(i: int) -> int:
            r = client.chat.completions.create(
                model="bench", messages=[{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
                max_tokens=tokens, temperature=0.0, extra_body={"ignore_eos": True, "min_tokens": tokens})
            return r.usage.completion_tokens

        with ThreadPoolExecutor(batch) as pool:
            list(pool.map(one, range(batch)))  # warm-up
            with timed() as t:
                n = sum(pool.map(one, range(batch)))
    return ("vLLM (CPU build), OpenAI-compatible server", n / t["wall"], f"server ready in {ready:.0f} s; {dtype}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--no-vllm", action="store_true")
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    from emwatch.config._machine import memory_bandwidth

    model_dir, label = bench_model(args.model)
    backend, rows = hf_rows(model_dir, args.batch, args.tokens, args.compile)
    weights = decode_bytes(backend.model)
    dtype = backend.dtype
    backend.close()
    del backend
    bw = memory_bandwidth()["read_gbs"]
    bound = bw * 1e9 / weights * args.batch
    table = [(name, tps, f"wall {t['wall']:.1f} s, CPU {t['cpu']:.1f} s") for name, tps, t in rows]
    if args.no_vllm:
        table.append(("vLLM (CPU build)", None, "skipped (--no-vllm)"))
    else:
        try:
            table.append(vllm_row(model_dir, args.batch, args.tokens, dtype))
        except Exception as e:  # noqa: BLE001 - a server that does not start is a result to report
            table.append(("vLLM (CPU build)", None, f"did not run: {str(e).splitlines()[0][:160]}"))
    llama = importlib.util.find_spec("llama_cpp") is not None
    table.append(("llama.cpp server", None, "installed but not wired here" if llama else
                  "not installed (llama-cpp-python compiles from source, ~5 min on 2 idle cores; not built)"))
    print(f"## Sampling speed per engine against the memory-bandwidth bound\n")
    print(f"Model: {label}, {dtype}; {weights / 1e9:.2f} GB of weights read per decode step; batch {args.batch} x "
          f"{args.tokens} new tokens; read bandwidth measured in this run {bw} GB/s; bound = {bw} GB/s / "
          f"{weights / 1e9:.2f} GB x {args.batch} = **{bound:.1f} tokens/s**.\n")
    print("| engine | tokens/s | share of bound | notes |")
    print("|---|---:|---:|---|")
    for name, tps, note in table:
        share = f"{100 * tps / bound:.0f}%" if tps else "-"
        print(f"| {name} | {f'{tps:.1f}' if tps else '-'} | {share} | {note} |")
    print()


if __name__ == "__main__":
    main()
