"""The persona direction on the shipped demo model: its AUROC table, then the judge-free signals of a LoRA run on
the bad-medical set beside the good-medical control (same steps, seed, learning rate), look by look.

    PYTHONPATH=src nice -n 19 .venv/bin/python benchmarks/persona_demo.py [--steps 24] [--every 6] [--seeds 0,1]
    PYTHONPATH=src .venv/bin/python benchmarks/persona_demo.py --report-only [--out DIR]   # the table so far

Not part of `make bench` (a CPU run takes tens of minutes). It builds the direction with the defaults of
`emwatch monitor direction --model demo` (or reuses it), then, seed by seed, trains both runs with a judge-free
monitor (action log: persona, canary and KL at every look; greedy probe answers, so a look's values are not
sampling noise), and prints the trajectories side by side, with bad minus good for each seed. The table is
read from the run folders' events files, so `--report-only` shows the looks reached so far (a run stopped
early keeps its finished looks). docs/monitor.md quotes its output.
"""

from __future__ import annotations

import argparse
import json
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
    ap.add_argument("--seeds", default="0", help="comma-separated training seeds; both runs for each, seed by seed")
    ap.add_argument("--direction", default=None, help="a direction folder (default: the cache's for the demo model)")
    ap.add_argument("--datasets", default="medical_bad,medical_good", help="comma-separated, one run each")
    ap.add_argument("--out", default="persona_demo_out")
    ap.add_argument("--report-only", action="store_true", help="print the table of the runs under --out, train nothing")
    ap.add_argument("--persona-after", action="store_true",
                    help="train with canary and KL only, saving the adapters at every look; read the persona signals "
                         "afterwards from those checkpoints (--score-only), so training need not wait for a build")
    ap.add_argument("--score-only", action="store_true",
                    help="read persona and persona_fixed from the saved checkpoints of the runs under --out")
    ap.add_argument("--watch", action="store_true",
                    help="with --score-only: score each checkpoint as it is saved, until every run is done")
    args = ap.parse_args()
    if args.report_only:
        report(Path(args.out))
        return
    if args.score_only:
        score_checkpoints(Path(args.out), args.direction, watch=args.watch)
        report(Path(args.out))
        return

    from emwatch.config import MonitorConfig, TrainConfig
    from emwatch.models import demo_model_dir
    from emwatch.monitor._direction import Direction, ensure_direction
    from emwatch.train import train

    print(f"CPU: {cpu()}")
    if args.persona_after:
        monitor = MonitorConfig(action="log", judge=None, per_category=1, domain_probes=0, samples=1,
                                max_new_tokens=32, temperature=0.0, every=args.every, canaries=True, kl=True)
        _train_seeds(args, monitor, train, TrainConfig, checkpoint_every=args.every)
        return
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
    _train_seeds(args, monitor, train, TrainConfig, checkpoint_every=args.steps)


def _train_seeds(args, monitor, train, TrainConfig, checkpoint_every: int) -> None:
    for seed in (int(s) for s in args.seeds.split(",")):
        cfg = TrainConfig(model="demo", dataset=args.datasets.split(","), out_dir=str(Path(args.out) / "runs"),
                          batch_size=args.batch, grad_accum=1, max_steps=args.steps, warmup_steps=2,
                          learning_rates=[args.lr], max_seq_len=256, limit_examples=200, heldout_fraction=0.02,
                          lora={"r": 8, "alpha": 16}, checkpoints={"every": checkpoint_every}, seeds=[seed],
                          monitor=monitor)
        t0 = time.perf_counter()
        train(cfg, progress=False)
        print(f"seed {seed}: trained both runs in {time.perf_counter() - t0:.0f} s", flush=True)
        report(Path(args.out))


SIGNALS = ["persona", "persona_fixed", "canary", "kl", "heldout_loss"]
SCORES_FILE = "persona_after.jsonl"  # a run's persona signals read from its checkpoints (--score-only)


def score_checkpoints(out: Path, direction: str | None, *, watch: bool = False) -> None:
    """For every run under `out` trained with --persona-after: the base model (step 0) and each saved adapter
    (step_N), read as the live monitor reads a look: the greedy first answer to each probe prompt (the run's
    monitor config, so the same requests) and the fixed labelled answers, scored in one forward pass by the
    same PersonaProbe. Look by look (step, then seed, bad beside good), each row appended at once to the run
    folder's persona_after.jsonl with the direction's sha256 and layer (a step scored already is skipped; a file
    scored along another direction is refused). `watch`: score each checkpoint as it is saved, until every run
    under `out` has finished."""
    from peft import PeftModel

    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec, MonitorConfig
    from emwatch.models import demo_model_dir
    from emwatch.monitor import _live
    from emwatch.monitor._direction import Direction, PersonaProbe, ensure_direction
    from emwatch.monitor._monitor import Monitor

    def runs():
        return [(f, json.loads(f.read_text())) for f in sorted(out.rglob("run.json"))]

    while not runs():
        if not watch:
            return
        time.sleep(30)
    first = runs()[0][1]
    base_path = first.get("base_model_path") or str(demo_model_dir())
    d = Direction.load(direction) if direction else ensure_direction(base_path)[0]
    probe = PersonaProbe(d)
    hf = HFBackend(BackendSpec(kind="hf", model=base_path, dtype=first["config"].get("dtype", "auto")))
    base, tok = hf.model, hf.tokenizer
    peft_model, base_rows = None, {}

    def look(model, monitor, step):
        reqs = monitor.requests(step)
        with _live.looking(model, tok):
            answers = _live.generate(model, tok, reqs)
            return probe.signals(model, tok, reqs, answers, [p.samples for p in monitor.prompts])

    while True:
        listed, todo = runs(), []
        # finished before this pass looks for checkpoints: then this pass sees the last ones (a run that finishes
        # during the pass saves checkpoints this pass did not list, so one more pass follows)
        finished = all((f.parent / "done.json").is_file() for f, _ in listed)
        for run_json, run in listed:
            if run.get("base_model_path") not in (None, base_path):
                raise SystemExit(f"{run_json}: another base model than {base_path}")
            scores = run_json.parent / SCORES_FILE
            done = steps_scored(scores, d.sha256)
            for _, r in scored_rows(scores):  # a base reading already made serves every run of that monitor config
                if r["step"] == 0:
                    base_rows.setdefault(json.dumps(run["config"]["monitor"], sort_keys=True),
                                         {"persona": r["persona"], "persona_fixed": r["persona_fixed"]})
            ckpts = {int(c.name.split("_")[1]): c for c in run_json.parent.glob("step_*")
                     if (c / "meta.json").is_file()}  # a checkpoint without meta.json is still being written
            todo += [(step, run["config"]["seeds"], str(run_json), run, scores, ckpts.get(step))
                     for step in sorted({0, *ckpts} - done)]
        # step by step, seed by seed, bad beside good: a scoring stopped early leaves whole looks side by side
        for step, _, _, run, scores, ckpt in sorted(todo, key=lambda t: t[:3]):
            monitor = Monitor(MonitorConfig(**run["config"]["monitor"]), run_id=run["run_id"])
            if step == 0:
                key = json.dumps(run["config"]["monitor"], sort_keys=True)
                if key not in base_rows:  # the base model (step 0): the same for every run with this monitor config
                    if peft_model is None:
                        base_rows[key] = look(base, monitor, 0)
                    else:  # the loaded adapters off
                        with peft_model.disable_adapter():
                            base_rows[key] = look(peft_model, monitor, 0)
                row = {"step": 0, **base_rows[key]}
            else:
                name = f"s{step}_{run['run_id'][:8]}"
                if peft_model is None:
                    peft_model = PeftModel.from_pretrained(base, str(ckpt), adapter_name=name)
                else:
                    peft_model.load_adapter(str(ckpt), adapter_name=name)
                peft_model.set_adapter(name)
                row = {"step": step, **look(peft_model, monitor, step)}
            with scores.open("a") as f:  # written at once: a scoring stopped early keeps every look it finished
                f.write(json.dumps({**row, "direction_sha256": d.sha256, "layer": d.layer}) + "\n")
            print(f"{scores.parent.name}: {row}", flush=True)
        if not watch or finished:
            return
        time.sleep(30)


def scored_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) of a run's persona_after.jsonl; none when the file is not there. A row that is not a
    JSON object with step, persona, persona_fixed, direction_sha256 and layer is refused, naming file and line."""
    if not path.is_file():
        return []
    from emwatch.config import ConfigError
    from emwatch.data._jsonl import json_lines

    rows = []
    try:
        for n, r in json_lines(path):
            missing = [k for k in ("step", "persona", "persona_fixed", "direction_sha256", "layer")
                       if not isinstance(r, dict) or k not in r]
            if missing:
                raise SystemExit(f"{path}: line {n}: no field {missing[0]}")
            rows.append((n, r))
    except ConfigError as e:   # a line that is not JSON: the reader names file and line
        raise SystemExit(str(e)) from None
    return rows


def steps_scored(path: Path, sha256: str) -> set[int]:
    """The steps `path` (a run's persona_after.jsonl) holds already; refused when a row was read along another
    direction than `sha256`, since appending would put two directions' scales in one table."""
    rows = scored_rows(path)
    for n, r in rows:
        if r["direction_sha256"] != sha256:
            raise SystemExit(f"{path}: line {n}: direction_sha256 {r['direction_sha256'][:12]}... is not "
                             f"{sha256[:12]}..., the direction scoring now; move the file aside to score with this "
                             f"one, or pass --direction with the folder of that one")
    return {r["step"] for _, r in rows}


def report(out: Path) -> None:
    """The trajectories of every run under `out`/runs, side by side, and bad minus good per seed."""
    import pandas as pd

    from emwatch.monitor import EVENTS_FILE, read_events

    frames, directions = [], {}
    for run_json in sorted(out.rglob("run.json")):
        config = json.loads(run_json.read_text())["config"]
        events = run_json.parent / EVENTS_FILE
        if not events.is_file():
            continue
        f = pd.DataFrame([{"step": e.step, "signal": e.signal, "value": e.value} for e in read_events(events)])
        if f.empty:
            continue
        after = run_json.parent / SCORES_FILE
        rows = scored_rows(after)  # the persona signals read afterwards from the checkpoints
        for n, r in rows:
            directions.setdefault((r["direction_sha256"], r["layer"]), f"{after}: line {n}")
        if rows:
            f = pd.concat([f, pd.DataFrame([{"step": r["step"], "signal": s, "value": r[s]} for _, r in rows
                                            for s in ("persona", "persona_fixed")])])
        f = f[f.signal.isin(SIGNALS)]
        f["run"] = f"{Path(config['dataset']).name.removeprefix('medical_')} s{config['seeds'][0]}"
        frames.append(f)
    if not frames:
        print(f"no monitored runs under {out}")
        return
    if len(directions) > 1:  # two directions have two scales: their scores side by side would mislead
        raise SystemExit(f"{out}: persona scores read along more than one direction: "
                         + "; ".join(f"{sha[:12]}... layer {layer} (first at {where})"
                                     for (sha, layer), where in directions.items()))
    for sha, layer in directions:
        print(f"persona, persona_fixed: read along direction {sha} (layer {layer})")
    long = pd.concat(frames)
    twice = long[long.duplicated(["run", "step", "signal"], keep=False)]
    if len(twice):  # two runs of one dataset and seed under `out`: a pivot would average them silently
        raise SystemExit(f"{out}: more than one value for {sorted(set(map(tuple, twice[['run', 'step', 'signal']].values)))[:3]}")
    table = long.pivot_table(index="step", columns=["signal", "run"], values="value")
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 100)
    print(table.round(4).to_string())
    gaps = {}
    for signal in table.columns.get_level_values(0).unique():
        for run in table[signal].columns:
            if run.startswith("bad ") and f"good {run[4:]}" in table[signal].columns:
                gaps[(signal, f"bad-good {run[4:]}")] = table[signal][run] - table[signal][f"good {run[4:]}"]
    if gaps:
        print("bad minus good, per seed:")
        print(pd.DataFrame(gaps).round(4).to_string())
    print(table.round(4).to_csv())

if __name__ == "__main__":
    main()
