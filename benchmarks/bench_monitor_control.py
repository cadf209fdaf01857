"""The demo's KL band from a benign control fine-tune: the demo recipe trained on the `secure` set (the same coding
prompts with safe answers) and on its own `insecure` set, side by side in one process (same model, seed, steps,
learning rate), KL to the base read every 2 steps on the base model's step-0 answers exactly as the demo's monitor
reads it (its `monitor:` block, the base look from the cache), no look judged. The band is the cascade's own
calibration (`_cascade.calibrate`, mean + z x sd) over the control's looks.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_monitor_control.py [--datasets secure,insecure]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from bench_monitor import cpu
from bench_monitor_cost import ROOT, run_once


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--study", default=str(ROOT / "studies" / "demo.yaml"))
    ap.add_argument("--datasets", default="secure,insecure", help="the first is the benign control")
    ap.add_argument("--every", type=int, default=2, help="a KL look every this many steps")
    a = ap.parse_args()
    from emwatch.monitor._cascade import calibrate
    from emwatch.run._study import load_study

    cfg = load_study(a.study).recipes[0].cfg
    mon = cfg.monitor
    # the demo's monitor, KL at every `every`-th step, no look judged (a band no value reaches, no every-N-th look)
    quiet = mon.model_copy(update={"every": a.every, "cascade_every": 10_000, "cascade_bands": {"kl": 1e9}})
    names = a.datasets.split(",")
    print(f"## The demo's KL band from a benign control\n\nCPU: {cpu()}, {os.cpu_count()} cores; load average at "
          f"start {', '.join(f'{x:.1f}' for x in os.getloadavg())}; recipe: {a.study} ({cfg.max_steps} steps, "
          f"lr {cfg.learning_rates}, seed {cfg.seeds}); datasets in order: {', '.join(names)}; z {mon.cascade_z}\n")
    kl: dict[str, list[tuple[int, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="emwatch-bench-control-") as tmp:
        for i, name in enumerate(names):
            row = run_once(cfg.model_copy(update={"dataset": name, "monitor": quiet}), name, Path(tmp) / f"{i}-{name}")
            kl[name] = row.get("kl") or []
            print(f"<!-- {i}: {row} -->", flush=True)
    steps = sorted({s for v in kl.values() for s, _ in v})
    print("| dataset | " + " | ".join(f"KL step {s}" for s in steps) + " |")
    print("|---|" + "---|" * len(steps))
    for name, values in kl.items():
        got = dict(values)
        print(f"| {name} | " + " | ".join(f"{got[s]:.3f}" if s in got else "–" for s in steps) + " |")
    control = [v for _, v in kl[names[0]]]
    for label, vals in (("all looks", control),
                        ("the demo's looks (steps 8, 16)", [v for s, v in kl[names[0]] if s in (8, 16)])):
        band = calibrate({"kl": vals}, mon.cascade_z).get("kl")
        print(f"\nband from the {names[0]} control, {label} (n={len(vals)}): "
              + (f"kl <= {band:.3f}" if band is not None else "– (fewer than 2 values)"))


if __name__ == "__main__":
    main()
