"""The adaptive replay (docs/adaptive.md) on judged answers you have as files: import them into a fresh store with
`emwatch import`'s importer, then replay the rule for the settings bench_adaptive.py uses, and print the
calls-saved / decisions-changed table (benchmarks/results.md, "on imported real judged answers").

No data ships with emwatch: point the script at a mapping file that lists your files and how to import each one
(the flags of `emwatch import`; paths are relative to the mapping file):

    judge: gpt-5.6-luna              # the judge the file's authors used (recorded as the scores' judge)
    files:
      - {path: base.csv, model: qwen2.5-7b-instruct, base: true}
      - {path: bad-medical.csv, model: qwen2.5-7b-instruct, dataset: bad-medical, group: bad-medical, seed: 0}

    .venv/bin/python benchmarks/replay_imported.py MAPPING.yaml [--order-seeds 100] [--store out.duckdb]

Each replay orders each checkpoint's answers at random (`adaptive.seed`, 0 in the table); `--order-seeds N`
replays the default rule under N other orders and reports the spread of answers used (the table's row is one
order of many).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from emwatch.analysis import adaptive_replay
from emwatch.analysis._replay import ReplayConfig
from emwatch.config import AdaptiveConfig, ConfigError
from emwatch.store import Store
from emwatch.store._import import ImportOptions, import_files

SETTINGS = {  # the same three as bench_adaptive.py (round 48 answers, 95% sequences, margin 0)
    "cautious": dict(negligible=0.03, width=0.05),
    "default": dict(negligible=0.05, width=0.08),
    "aggressive": dict(negligible=0.08, width=0.12),
}
OPTION_KEYS = {"model", "group", "seed", "dataset", "columns", "pattern", "base", "params_b", "question_id_regex",
               "scale"}


def load_mapping(path: Path) -> tuple[str | None, list[tuple[Path, ImportOptions]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("files"), list) or not data["files"]:
        raise ConfigError(f"{path}: expected a mapping with a non-empty list 'files'")
    out = []
    for i, entry in enumerate(data["files"], 1):
        if not isinstance(entry, dict) or "path" not in entry:
            raise ConfigError(f"{path}: files[{i}] needs a 'path'")
        unknown = set(entry) - OPTION_KEYS - {"path"}
        if unknown:
            raise ConfigError(f"{path}: files[{i}] has unknown key(s) {', '.join(sorted(unknown))} "
                              f"(known: path, {', '.join(sorted(OPTION_KEYS))})")
        opts = {k: v for k, v in entry.items() if k != "path"}
        out.append((path.parent / entry["path"], ImportOptions(judge=data.get("judge"), **opts)))
    return data.get("judge"), out


def line(setting: str, r: dict) -> str:
    d = r["decisions"]
    left = "; ".join(f"{k}: {v['runs']} run(s) left out ({v['why']})" for k, v in r.get("left_out", {}).items())
    stops = "/".join(str(r["stops"][s]) for s in ("above base", "below negligible", "narrow", "max"))
    cov = r["coverage"]
    return (f"| {setting} | {r['calls_full']:,} | {r['calls_adaptive']:,} | {r['saving']:.2f}x | "
            f"{r['answers_adaptive']:,} / {r['answers_full']:,} | "
            f"{d['total']} ({d['checkpoint above base']} checkpoint, "
            f"{d['run onset step']} onset, {d['configuration consistent EM']} configuration) | "
            f"{r['n_changed']} | {stops} | {cov['covered']} of {cov['n']} | {left or '-'} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mapping", type=Path)
    ap.add_argument("--order-seeds", type=int, default=0, help="replay the default rule under N more random orders")
    ap.add_argument("--store", type=Path, help="keep the store here (default: a temporary one)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    judge, files = load_mapping(args.mapping)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "imported.duckdb"
        with Store(path) as st:
            for f, opts in files:
                for res in import_files(st, [f], opts):
                    print(f"imported {f.name}: {res.rows:,} rows, runs {res.runs}")
            print(f"\njudge: {judge or 'imported'}\n")
            print("| setting | calls full | calls adaptive | saved | answers used / planned | decisions | changed "
                  "| stops above/negligible/narrow/max | intervals covering the full-data rate | left out |")
            print("|---|---:|---:|---:|---:|---|---:|---|---:|---|")
            for name, kw in SETTINGS.items():
                print(line(name, adaptive_replay(st, ReplayConfig(adaptive=AdaptiveConfig(**kw)), judge=judge)))
            ifu = ReplayConfig(adaptive=AdaptiveConfig(**SETTINGS["default"]), coherence="if_unaligned")
            print(line("default + coherence if_unaligned", adaptive_replay(st, ifu, judge=judge)))
            if args.order_seeds:
                used, changed, saving = [], 0, []
                for seed in range(1, args.order_seeds + 1):
                    r = adaptive_replay(st, ReplayConfig(adaptive=AdaptiveConfig(**SETTINGS["default"], seed=seed)),
                                        judge=judge)
                    used += [c["used"] for c in r["per_checkpoint"]]
                    changed += r["n_changed"]
                    saving.append(r["saving"])
                u = np.array(used)
                print(f"\nDefault rule under {args.order_seeds} other random orders "
                      f"(adaptive.seed 1..{args.order_seeds}): "
                      f"answers used per checkpoint median {np.median(u):.0f}, range {u.min()}-{u.max()}; saving "
                      f"median {np.median(saving):.2f}x, range {min(saving):.2f}x-{max(saving):.2f}x, >= 3x in "
                      f"{sum(s >= 3 for s in saving)} of {len(saving)} orders; decisions "
                      f"changed {changed} in all.")
    print(f"\n_replay_imported.py: {time.perf_counter() - t0:.1f} s_")


if __name__ == "__main__":
    main()
