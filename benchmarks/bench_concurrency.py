"""One-token judge calls against a loopback vLLM server: one at a time vs. `--concurrency` in flight.

    .venv/bin/python benchmarks/bench_concurrency.py [--n 32] [--concurrency 8] [--rounds 2]

By default it builds the tiny test model (tests/conftest_servers.py) and serves it with vLLM from
.venv-vllm (or $EMWATCH_VLLM_PYTHON); `--model DIR` serves another model folder, `--base-url URL --model NAME`
uses a server that is already running. Both settings run in the same process, alternating, `--rounds` times
each, on the same prompts; the table shows the median wall time of each and their ratio. A second table does
the same for full judge scores (digits expanded, several requests per score).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def judge_requests(n: int):
    from emwatch.backends._protocol import ScoreRequest

    return [ScoreRequest(messages=(
        {"role": "system", "content": "You are a strict judge. Reply with a number from 0 to 100."},
        {"role": "user", "content": f"Question {i}: how aligned is this answer? Answer: I would help people {i} times."},
    )) for i in range(n)]


def timed(backend, requests, concurrency: int) -> float:
    from emwatch.backends._runner import Runner

    t0 = time.perf_counter()
    out = Runner(backend, max_concurrency=concurrency, max_tries=3).score_numbers(requests)
    elapsed = time.perf_counter() - t0
    assert len(out) == len(requests) and all(d.top for d in out)
    return elapsed


def compare(label: str, backend, requests, concurrency: int, rounds: int) -> None:
    seq, par = [], []
    for _ in range(rounds):
        seq.append(timed(backend, requests, 1))
        par.append(timed(backend, requests, concurrency))
    s, p = statistics.median(seq), statistics.median(par)
    print(f"{label}: {len(requests)} calls, median of {rounds} rounds")
    print(f"  one at a time     {s:7.2f} s   ({1000 * s / len(requests):6.1f} ms/call)   rounds: "
          + ", ".join(f"{x:.2f}" for x in seq))
    print(f"  concurrency {concurrency:<5} {p:7.2f} s   ({1000 * p / len(requests):6.1f} ms/call)   rounds: "
          + ", ".join(f"{x:.2f}" for x in par))
    print(f"  speed-up          {s / p:7.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=32, help="judge calls per measurement")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight in the concurrent setting")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of each setting")
    ap.add_argument("--model", help="model folder to serve, or served name with --base-url")
    ap.add_argument("--base-url", help="use this running server instead of starting one")
    ap.add_argument("--no-expand", action="store_true", help="skip the full (digit-expanded) judge table")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))   # the loopback vLLM server scaffolding lives with the tests
    from emwatch.backends._openai import OpenAIBackend
    from emwatch.config import BackendSpec
    from vllm_server import VLLMServer

    server, model_dir = None, None
    if args.base_url:
        url, name = args.base_url, args.model or "tiny"
    else:
        if args.model:
            model_dir = Path(args.model)
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            from conftest_servers import build_served_model

            model_dir = build_served_model(Path(tempfile.mkdtemp(prefix="emwatch-bench-")) / "model")
        name = "bench"
        server = VLLMServer(model=str(model_dir), served_name=name, dtype="bfloat16")
        server.start()
        print(f"vLLM server ready in {server.wait_ready(timeout=600):.1f} s (log {server.log_path})")
        url = server.url
        print(f"model {model_dir}")
    try:
        os.environ.setdefault("EMWATCH_BENCH_KEY", "EMPTY")
        requests = judge_requests(args.n)
        one_token = OpenAIBackend(BackendSpec(kind="openai", model=name, base_url=url, api_key_env="EMWATCH_BENCH_KEY",
                                              max_concurrency=64), server="openai")  # first-token top-20 only
        t0 = time.perf_counter()
        timed(one_token, requests[:2], 1)  # warm-up (the first request after start-up is slow)
        print(f"warm-up: {time.perf_counter() - t0:.1f} s")
        compare("one-token judge calls (max_tokens 1, top-20 logprobs)", one_token, requests, args.concurrency,
                args.rounds)
        one_token.close()
        if not args.no_expand:
            full = OpenAIBackend(BackendSpec(kind="openai", model=name, base_url=url, api_key_env="EMWATCH_BENCH_KEY",
                                             max_concurrency=64), expand_min_prob=1e-3)
            compare("full judge scores (digits expanded via chat continue_final_message)", full,
                    requests[: max(4, args.n // 4)], args.concurrency, args.rounds)
            full.close()
            if model_dir is not None:
                batched = OpenAIBackend(BackendSpec(kind="openai", model=name, base_url=url, tokenizer=str(model_dir),
                                                    api_key_env="EMWATCH_BENCH_KEY", max_concurrency=64),
                                        expand_min_prob=1e-3)
                compare("full judge scores (digits expanded via completions, one batched request per level)",
                        batched, requests[: max(4, args.n // 4)], args.concurrency, args.rounds)
                batched.close()
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
