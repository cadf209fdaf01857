"""The big fault-injection run: ≥ 500 generations and ≥ 2,000 judgments through the chaos proxy in front of a
real CPU vLLM server (tiny random model), then the same study with no faults, side by side.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/fault_run.py [--samples 5] [--rate 0.2]

Writes benchmarks/results/fault_run.json, which scripts/reliability_report.py turns into docs/reliability.md.
Needs .venv-vllm (scripts/setup_vllm.sh). Takes several minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from conftest_servers import KEY_ENV, SERVED_NAME, FaultProxy, build_served_model  # noqa: E402
from reliability.fault_study import fault_study  # noqa: E402
from vllm_server import VLLMServer, vllm_python  # noqa: E402


def cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    have = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    import os
    return f"{model}, {os.cpu_count()} cores, flags: {' '.join(have) or 'none of avx2/fma/avx512'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=5, help="answers per EM-240 question (240 questions)")
    ap.add_argument("--rate", type=float, default=0.2, help="share of HTTP requests that get a fault")
    ap.add_argument("--concurrency", type=int, default=32, help="requests in flight (the server batches them)")
    ap.add_argument("--timeout", type=float, default=15.0, help="client timeout per request, seconds")
    ap.add_argument("--chunk", type=int, default=256, help="answers or judgments per commit (a chunk waits for "
                    "its slowest request, so small chunks idle the server behind each injected timeout)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fault_run.json")
    args = ap.parse_args()
    import os

    root = Path(tempfile.mkdtemp(prefix="emwatch-fault-run-"))
    model_dir = build_served_model(root / "model")
    key = "emw-fault-" + secrets.token_hex(8)
    os.environ[KEY_ENV] = key
    server = VLLMServer(model=str(model_dir), served_name=SERVED_NAME, python=vllm_python(), api_key=key,
                        dtype="float32", log_path=root / "server.log")
    server.start()
    try:
        server.wait_ready(timeout=600)
        _warm_up_base(server.url, key)
        proxy = FaultProxy("127.0.0.1", server.port)
        out = {"cpu": cpu_name(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "concurrency": args.concurrency, "timeout_s": args.timeout, "chunk": args.chunk, "nice": os.nice(0), "runs": []}
        for rate in (args.rate, 0.0):
            fig = fault_study(root / f"s{rate}.duckdb", proxy, model=SERVED_NAME, key_env=KEY_ENV,
                              tokenizer=str(model_dir), rate=rate, seed=1, samples=args.samples,
                              concurrency=args.concurrency, timeout_s=args.timeout, chunk=args.chunk)
            out["runs"].append(fig.as_dict())
            print(json.dumps(fig.as_dict()), flush=True)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(out, indent=2) + "\n")  # after each run: a partial result survives
        proxy.close()
    finally:
        server.stop()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


def _warm_up_base(url: str, key: str) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=url, api_key=key, max_retries=0, timeout=300)
    client.chat.completions.create(model=SERVED_NAME, messages=[{"role": "user", "content": "hi"}], max_tokens=2)
    client.completions.create(model=SERVED_NAME, prompt="hi", max_tokens=1, logprobs=20)
    client.close()


if __name__ == "__main__":
    main()
