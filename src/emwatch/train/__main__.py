"""`python -m emwatch.train RECIPE.yaml [--store PATH] [--no-progress]`: the entry point each process of an
`accelerate launch` runs (`emwatch train --launch accelerate` starts it). Only rank 0 opens the store."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from emwatch.config import ConfigError, load_config
    from emwatch.config._train import TrainConfig
    from emwatch.train._api import train
    from emwatch.train._runs import is_main_process

    parser = argparse.ArgumentParser(prog="python -m emwatch.train", description=__doc__)
    parser.add_argument("recipe")
    parser.add_argument("--store", default=None)
    parser.add_argument("--no-progress", action="store_true")
    ns = parser.parse_args(argv)
    try:
        cfg = load_config(TrainConfig, ns.recipe)
        store = None
        if ns.store and is_main_process():
            from emwatch.store import Store

            store = Store(ns.store)
        results = train(cfg, store=store, progress=not ns.no_progress)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if is_main_process():
        for r in results:
            print(f"{r.status}: {r.run_dir} ({len(r.checkpoints)} checkpoints, {r.steps_trained} steps in {r.seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
