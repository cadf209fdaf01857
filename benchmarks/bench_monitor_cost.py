"""The online monitor's share of training time in the CPU demo: the demo recipe trained alone and with a monitor,
side by side in one process (same model, data, seed and steps), and where the monitor's time goes.

    nice -n 19 .venv/bin/python benchmarks/bench_monitor_cost.py [--study studies/demo.yaml]
        [--modes alone,before,after,after,alone] [--keep-cache]

On a machine shared with other jobs, OMP_NUM_THREADS=1 keeps torch's threads from spinning against each other
(the ratios are then for one thread; the header says how many).

The recipe is the first model of the study file (the demo: 16 LoRA steps of one example, a checkpoint every 8, so
looks at steps 0, 8 and 16). Modes, run in the order given:

- `alone`: no monitor;
- `before`: the demo's monitor as it was before the cascade (every look judged; 4 probe answers, canaries, KL);
- `after`: the study file's `monitor:` block. With `base_cache: true`, the first `after` finds no cached base
  look (the cache is emptied first: a cold start) and the next ones reuse it (a second run of the same base).

Per run: the wall time of `train()`, the seconds inside the monitor callback (what the monitor's own end-of-run line
reports), the looks judged and skipped, the judge calls, and the time in each part of the looks: sampling the
probes, the canaries, KL, judging. The ratios divide each monitored run's wall time by the mean of the `alone` runs. KL's time includes
the base model's half (`base_logprobs`), computed once a run at most (none when the base look's cache has it).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench_monitor import cpu

ROOT = Path(__file__).resolve().parents[1]
# the demo's monitor before this benchmark's change (studies/demo.yaml until then): every look judged
BEFORE = {"judge": {"kind": "transformers", "model": "demo", "batch_size": 8}, "coherence": "if_unaligned",
          "per_category": 1, "max_probes": 4, "domain_probes": 0, "samples": 1, "max_new_tokens": 16, "action": "flag"}


def _timed(parts: dict, name: str, fn):
    def wrapper(*a, **kw):
        t0 = time.perf_counter()
        try:
            return fn(*a, **kw)
        finally:
            parts[name] += time.perf_counter() - t0
    return wrapper


def run_once(cfg, mode: str, out: Path) -> dict:
    """Train `cfg` once (its monitor as given) and measure it."""
    import emwatch.monitor
    from emwatch.monitor import _live
    from emwatch.monitor._monitor import Monitor
    from emwatch.train import _callbacks, train

    parts: dict[str, float] = collections.defaultdict(float)
    per_look: dict[int, float] = {}
    made: list = []
    look = emwatch.monitor.look_live

    def timed_look(monitor, step, *a, **kw):
        t0 = time.perf_counter()
        try:
            return look(monitor, step, *a, **kw)
        finally:
            per_look[step] = round(time.perf_counter() - t0, 1)
    emwatch.monitor.look_live = timed_look
    saved = {n: getattr(_live, n) for n in ("generate", "canary_probability", "kl_to_base", "base_logprobs")}
    judge, factory = Monitor._judge, _callbacks.monitor_callbacks
    for name in saved:
        setattr(_live, name, _timed(parts, name, saved[name]))
    Monitor._judge = _timed(parts, "judge", judge)
    _callbacks.monitor_callbacks = lambda *a, **kw: made.extend(factory(*a, **kw)) or made
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        train(cfg.model_copy(update={"out_dir": str(out)}), progress=False)
        wall, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    finally:
        for name, fn in saved.items():
            setattr(_live, name, fn)
        Monitor._judge, _callbacks.monitor_callbacks = judge, factory
        emwatch.monitor.look_live = look
    row = {"mode": mode, "wall": wall, "inside": 0.0, "looks": 0, "skipped": 0, "calls": 0, "parts": dict(parts),
           "per_look": per_look, "load": os.getloadavg()[0], "cpu": cpu_s}
    if made:
        m = made[0].monitor
        row.update(inside=made[0].seconds, looks=len(m.looks) + (m.base is not None), skipped=m.skipped,
                   calls=m.judge_calls, cached=any(e.detail.get("cached") for e in m.events if e.step == 0),
                   kl=[(e.step, round(e.value, 4)) for e in m.events if e.signal == "kl"],
                   cascade=[(e.step, e.detail.get("reason")) for e in m.events if e.signal == "cascade"])
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--study", default=str(ROOT / "studies" / "demo.yaml"))
    ap.add_argument("--modes", default="alone,before,after,after,alone",
                    help="comma-separated: alone | before | after, run in this order")
    ap.add_argument("--keep-cache", action="store_true",
                    help="keep the cached base looks (every `after` run reads one an earlier run left: a warm start)")
    a = ap.parse_args()
    from emwatch.config import MonitorConfig
    from emwatch.models._demo import cache_dir
    from emwatch.run._study import load_study

    cfg = load_study(a.study).recipes[0].cfg
    after = cfg.monitor
    configs = {"alone": None, "before": MonitorConfig(**BEFORE), "after": after}
    modes = a.modes.split(",")
    import torch

    print(f"## The monitor's share of training time (CPU demo)\n\nCPU: {cpu()}, {os.cpu_count()} cores, torch "
          f"threads {torch.get_num_threads()}; "
          f"load average at start {', '.join(f'{x:.1f}' for x in os.getloadavg())}; recipe: {a.study} "
          f"({cfg.max_steps} steps, checkpoint every {cfg.checkpoints.every}); modes in order: {', '.join(modes)}\n")
    if after is not None and getattr(after, "base_cache", False) and not a.keep_cache:
        shutil.rmtree(cache_dir() / "monitor" / "base_looks", ignore_errors=True)   # the first `after` is cold
    rows = []
    with tempfile.TemporaryDirectory(prefix="emwatch-bench-cost-") as tmp:
        for i, mode in enumerate(modes):
            row = run_once(cfg.model_copy(update={"monitor": configs[mode]}), mode, Path(tmp) / f"{i}-{mode}")
            rows.append(row)
            print(f"<!-- {i}: {row} -->", flush=True)
    alone = statistics.mean(r["wall"] for r in rows if r["mode"] == "alone") if any(
        r["mode"] == "alone" for r in rows) else float("nan")
    cpu_alone = statistics.mean(r["cpu"] for r in rows if r["mode"] == "alone") if any(
        r["mode"] == "alone" for r in rows) else float("nan")
    print("| run | mode | wall s | x alone | CPU s | x alone (CPU) | in monitor s | x own | looks (skipped) | judge calls "
          "| sampling s | canaries s | KL s | judging s | s per look (step: s) | load avg after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(rows):
        p = r["parts"]
        mode = r["mode"] + (" (base cached)" if r.get("cached") else "")
        own = r["wall"] / (r["wall"] - r["inside"]) if r["inside"] else 1.0
        looks = ", ".join(f"{k}: {v:.0f}" for k, v in sorted(r["per_look"].items())) or "–"
        vs_alone = f"{r['wall'] / alone:.2f}" if alone == alone else "–"
        cpu_x = f"{r['cpu'] / cpu_alone:.2f}" if cpu_alone == cpu_alone else "–"
        print(f"| {i + 1} | {mode} | {r['wall']:.0f} | {vs_alone} | {r['cpu']:.0f} | {cpu_x} | {r['inside']:.0f} | "
              f"{own:.2f} | "
              f"{r['looks']} ({r['skipped']}) | {r['calls']} | {p.get('generate', 0):.0f} | "
              f"{p.get('canary_probability', 0):.0f} | {p.get('kl_to_base', 0) + p.get('base_logprobs', 0):.0f} | "
              f"{p.get('judge', 0):.0f} | "
              f"{looks} | {r['load']:.1f} |")
    for r in rows:
        if r.get("kl") or r.get("cascade"):
            print(f"\n{r['mode']}: KL {r.get('kl')}; cascade {r.get('cascade')}")
    print(f"\n`x alone`: wall time over the mean of the `alone` runs ({alone:.0f} s; – without one). `CPU s`: the "
          f"process's CPU time during the run (`x alone (CPU)` over the `alone` runs' mean, {cpu_alone:.0f} s): with "
          "one torch thread on a machine other jobs share, the work done, less moved by their load than wall time. "
          "`x own`: the "
          "run's wall time over the same run less the time inside the monitor callback (the ratio the monitor prints "
          "at the end of a run). The parts are the time in each kind of work inside the looks (judging includes the "
          "judge's own forward passes); the rest of `in monitor` is setting up and emitting.")


if __name__ == "__main__":
    main()
