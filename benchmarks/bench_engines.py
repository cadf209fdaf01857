"""CPU sampling speed of each installed engine against the memory-bandwidth bound, on one model and workload.

    .venv/bin/python benchmarks/bench_engines.py [--model DIR] [--batch 8] [--tokens 32] [--no-vllm] [--no-llamacpp]
                                                 [--compile]

Bound = measured read bandwidth / bytes of weights one decode step reads x batch: a decode step streams every
weight once, so no engine on this machine can beat it at this batch. Each engine has its own bound: in-process
transformers and vLLM read the model in the dtype they run it in; llama.cpp reads the GGUF's quantised tensors.
Every engine generates exactly `--tokens` tokens for each of `--batch` prompts (end-of-sequence never chosen),
greedy; the first call of each is a warm-up. Engines: transformers in process (dynamic KV cache; static KV
cache; with `--compile` also torch.compile of the static-cache decode step); vLLM's CPU build from .venv-vllm
and llama.cpp's server (llama-cpp-python, from .venv-llamacpp: scripts/setup_llamacpp.sh) on the demo model's
GGUF, both behind their OpenAI-compatible servers and reached through emwatch's `openai` backend with the
batch's requests in flight at once. Prints a markdown section.
"""

from __future__ import annotations

import argparse
import os
import torch

from _common import QUESTIONS, bench_model, decode_bytes, machine_line, timed


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


def _exact_backend(url: str, model: str, batch: int, extra: dict):
    """emwatch's OpenAI-compatible backend with one addition for the benchmark: `extra` request fields that
    keep the engine from stopping at end-of-sequence, so every engine decodes the same number of tokens."""
    from emwatch.backends._openai import OpenAIBackend
    from emwatch.config import BackendSpec

    class Exact(OpenAIBackend):
        async def _call(self, create, **kwargs):
            if create == "chat":
                kwargs["extra_body"] = {**kwargs.get("extra_body", {}), **extra}
            return await super()._call(create, **kwargs)

    spec = BackendSpec(kind="openai", model=model, base_url=url, api_key_env="EMWATCH_BENCH_UNSET_KEY",
                       max_concurrency=batch, timeout_s=900)
    return Exact(spec)


def served_tokens_per_s(url: str, model: str, batch: int, tokens: int, extra: dict):
    """(tokens/s, timing): the batch's requests sent at once through the openai backend, after a warm-up."""
    from emwatch.backends import GenerationRequest

    reqs = [GenerationRequest(messages=({"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]},),
                              max_new_tokens=tokens, temperature=0.0) for i in range(batch)]
    backend = _exact_backend(url, model, batch, extra)
    try:
        backend.generate(reqs[:1])  # warm-up
        with timed() as t:
            out = backend.generate(reqs)
    finally:
        backend.close()
    n = sum(g.completion_tokens or 0 for g in out)
    if n != batch * tokens:
        raise RuntimeError(f"asked for {batch * tokens} tokens, got {n}")
    return n / t["wall"], t


def vllm_row(model_dir: str, batch: int, tokens: int, dtype: str, weights: int, bw: float):
    from emwatch.backends._server import VLLMServer, vllm_python

    name = "vLLM (CPU build), OpenAI-compatible server"
    if not vllm_python().exists():
        return (name, None, None, "not installed (.venv-vllm missing: scripts/setup_vllm.sh)")
    server = VLLMServer(model=model_dir, served_name="bench", dtype=dtype, max_model_len=1024, kv_cache_gb=2)
    with server:
        ready = server.wait_ready(timeout=900)
        tps, t = served_tokens_per_s(server.url, "bench", batch, tokens, {"ignore_eos": True, "min_tokens": tokens})
    return (name, tps, bw * 1e9 / weights * batch,
            f"{dtype}; server ready in {ready:.0f} s; wall {t['wall']:.1f} s (client CPU {t['cpu']:.1f} s)")


def llamacpp_row(batch: int, tokens: int, bw: float):
    from emwatch.backends._llamacpp import LlamaCppServer, gguf_decode_bytes, llamacpp_ready
    from emwatch.models import DEMO_MODEL_NAME, assemble_gguf, cache_dir

    name = "llama.cpp server (llama-cpp-python), demo GGUF"
    if not llamacpp_ready():
        return (name, None, None, "not installed (no .venv-llamacpp with llama_cpp.server: scripts/setup_llamacpp.sh, 5-10 min)")
    gguf = assemble_gguf(cache_dir() / "gguf" / f"{DEMO_MODEL_NAME}.gguf")  # hash-checked; kept for next time
    weights = gguf_decode_bytes(gguf)
    from gguf import GGUFReader

    eos = [int(v) for k, v in _gguf_ints(GGUFReader(str(gguf)), ("tokenizer.ggml.eos_token_id",
                                                                  "tokenizer.ggml.eot_token_id"))]
    server = LlamaCppServer(model=str(gguf), served_name="bench", n_ctx=max(2048, batch * (tokens + 128)))
    with server:
        ready = server.wait_ready(timeout=600)
        # llama-cpp-python has no ignore_eos: a bias of -100 on the end tokens keeps them from being chosen
        tps, t = served_tokens_per_s(server.url, "bench", batch, tokens,
                                     {"logit_bias": {str(e): -100 for e in eos}})
    bound = bw * 1e9 / weights * batch
    return (name, tps, bound,
            f"GGUF quantised, {weights / 1e9:.3f} GB read per decode step; server ready in {ready:.0f} s; requests "
            f"decoded one at a time by this server, so against the batch-1 bound ({bound / batch:.0f} tokens/s) "
            f"it is at {100 * tps / (bound / batch):.0f}%; wall {t['wall']:.1f} s")


def _gguf_ints(reader, keys):
    """(key, value) of the integer metadata fields `keys` a GGUF has."""
    for key in keys:
        f = reader.fields.get(key)
        if f is not None:
            yield key, f.parts[f.data[0]][0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--no-vllm", action="store_true")
    ap.add_argument("--no-llamacpp", action="store_true")
    ap.add_argument("--compile", action="store_true")
    args = ap.parse_args()
    from emwatch.config._machine import memory_bandwidth

    started = machine_line()
    model_dir, label = bench_model(args.model)
    backend, rows = hf_rows(model_dir, args.batch, args.tokens, args.compile)
    weights = decode_bytes(backend.model)
    dtype = backend.dtype
    backend.close()
    del backend
    bw = memory_bandwidth()["read_gbs"]
    bound = bw * 1e9 / weights * args.batch
    table = [(name, tps, bound, f"{dtype}; wall {t['wall']:.1f} s, CPU {t['cpu']:.1f} s") for name, tps, t in rows]
    served = (("vLLM (CPU build)", args.no_vllm, lambda: vllm_row(model_dir, args.batch, args.tokens, dtype, weights, bw)),
              ("llama.cpp server", args.no_llamacpp, lambda: llamacpp_row(args.batch, args.tokens, bw)))
    for name, skip, fn in served:
        if skip:
            table.append((name, None, None, "skipped (flag)"))
            continue
        try:
            table.append(fn())
        except Exception as e:  # noqa: BLE001 - a server that does not start is a result to report
            table.append((name, None, None, f"did not run: {str(e).splitlines()[0][:200]}"))
    print("## Sampling speed per engine against the memory-bandwidth bound\n")
    print(f"Model: {label}; batch {args.batch} x {args.tokens} new tokens, greedy; read bandwidth measured in this "
          f"run {bw} GB/s. Bound = {bw} GB/s / bytes of weights read per decode step x {args.batch}: "
          f"{weights / 1e9:.2f} GB in {dtype} (transformers, vLLM) -> **{bound:.1f} tokens/s**; the GGUF's own "
          f"bytes for llama.cpp. At the start: {started}; at the end: load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.\n")
    print("| engine | tokens/s | bound tokens/s | share of bound | notes |")
    print("|---|---:|---:|---:|---|")
    for name, tps, b, note in table:
        share = f"{100 * tps / b:.0f}%" if tps and b else "-"
        print(f"| {name} | {f'{tps:.1f}' if tps else '-'} | {f'{b:.0f}' if b else '-'} | {share} | {note} |")
    print()


if __name__ == "__main__":
    main()
