"""The persona direction on the shipped demo model: its AUROC table, then the judge-free signals of a LoRA run on
the bad-medical set beside the good-medical control (same steps, seed, learning rate), look by look.

    PYTHONPATH=src nice -n 19 .venv/bin/python benchmarks/persona_demo.py [--steps 24] [--every 6] [--out DIR]

Not part of `make bench` (a CPU run takes tens of minutes). It builds the direction with the defaults of
`emwatch monitor direction --model demo` (or reuses it), trains both runs with a judge-free monitor (action
log: persona, canary and KL at every look; greedy probe answers, so a look's values are not sampling noise),
and prints the trajectories side by side with the monitor's share of the training time. docs/monitor.md
quotes its output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_monitor import cpu  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=24)
    ap.add_argument("--every", type=int, default=6)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="training seed of both runs")
    ap.add_argument("--direction", default=None, help="a direction folder (default: the cache's for the demo model)")
    ap.add_argument("--datasets", default="medical_bad,medical_good", help="comma-separated, one run each")
    ap.add_argument("--out", default="persona_demo_out")
    args = ap.parse_args()

    import pandas as pd

    from emwatch.config import MonitorConfig, TrainConfig
    from emwatch.models import demo_model_dir
    from emwatch.monitor import EVENTS_FILE, read_events
    from emwatch.monitor._direction import Direction, ensure_direction
    from emwatch.train import train

    print(f"CPU: {cpu()}")
    t0 = time.perf_counter()
    d = Direction.load(args.direction) if args.direction else ensure_direction(demo_model_dir())[0]
    print(f"direction: layer {d.layer}, {d.path} ({time.perf_counter() - t0:.0f} s)")
    for k in ("heldout", "heldout_whole_answer", "labelled"):
        if k not in d.validation:
            continue
        v = d.validation[k]
        print(f"  {k}: AUROC {v['auroc']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}] "
              f"({v['n_misaligned']} vs {v['n_aligned']})")

    monitor = MonitorConfig(action="log", judge=None, per_category=1, domain_probes=0, samples=1,
                            max_new_tokens=32, temperature=0.0, every=args.every, persona=True,
                            persona_direction=d.path, canaries=True, kl=True)
    cfg = TrainConfig(model="demo", dataset=args.datasets.split(","), out_dir=str(Path(args.out) / "runs"),
                      batch_size=args.batch, grad_accum=1, max_steps=args.steps, warmup_steps=2,
                      learning_rates=[args.lr], max_seq_len=256, limit_examples=200, heldout_fraction=0.02,
                      lora={"r": 8, "alpha": 16}, checkpoints={"every": args.steps}, seeds=[args.seed], monitor=monitor)
    t0 = time.perf_counter()
    runs = train(cfg, progress=False)
    print(f"trained both runs in {time.perf_counter() - t0:.0f} s")
    frames = []
    for run in runs:
        ev = read_events(Path(run.run_dir) / EVENTS_FILE)
        f = pd.DataFrame([{"step": e.step, "signal": e.signal, "value": e.value} for e in ev])
        f = f[f.signal.isin(["persona", "persona_fixed", "canary", "kl", "heldout_loss"])]
        f["run"] = run.dataset.removeprefix("medical_")
        frames.append(f)
    table = pd.concat(frames).pivot_table(index="step", columns=["signal", "run"], values="value")
    pd.set_option("display.width", 200)
    print(table.round(4).to_string())
    print(table.round(4).to_csv())


if __name__ == "__main__":
    main()
