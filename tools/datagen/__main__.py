"""`python -m tools.datagen [--seed N] [--check]`: rebuild the shipped data files, or check they are current."""

from __future__ import annotations

import argparse
import sys

from emwatch.data import heldout_prompts, load_dataset
from tools.datagen import DEFAULT_SEED, DOMAINS, build_heldout, build_set, build_shipped


def _stale() -> list[str]:
    """Names of shipped files whose records differ from what the generators make now (seed 0)."""
    from emwatch.data import DATASETS

    out = [name for name in DATASETS if load_dataset(name) != build_set(name, DEFAULT_SEED)]
    return out + [f"heldout/{d}" for d in DOMAINS if heldout_prompts(d) != build_heldout(d)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.datagen", description=__doc__)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed of the training sets (default 0)")
    ap.add_argument("--check", action="store_true", help="only compare the shipped files with a fresh build")
    args = ap.parse_args(argv)
    if args.check:
        stale = _stale()
        for name in stale:
            print(f"stale: {name} (run `python -m tools.datagen`)", file=sys.stderr)
        return 1 if stale else 0
    for name, path in build_shipped(args.seed).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
