"""Registering runs and checkpoints: the rows every stage refers to."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path
from typing import Any

from emwatch.store._keys import content_key
from emwatch.store._store import Store

_PACKAGES = ("emwatch", "torch", "transformers", "peft", "trl", "accelerate", "vllm", "openai", "tinker", "duckdb", "bandit")


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results (those installed)."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def git_revision(path: str | Path | None = None) -> str | None:
    """The git revision of the emwatch checkout (or of `path`), with '+dirty' when it has changes."""
    cwd = Path(path) if path else Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def run_key(model: str, dataset: str | None, seed: int | None, lr: float | None, *, kind: str = "finetune",
            extra: Any = None) -> str:
    """The run id: a hash of what makes a run distinct (model, dataset, seed, lr, and `extra` settings)."""
    return content_key("run", kind, model, dataset, seed, lr, extra)


def register_run(store: Store, *, model: str, dataset: str | None, seed: int | None, lr: float | None,
                 kind: str = "finetune", group: str | None = None, out_dir: str | None = None,
                 config: dict | None = None, extra: Any = None, run_id: str | None = None) -> str:
    """Insert a run row (no-op when it exists) and return its id."""
    run_id = run_id or run_key(model, dataset, seed, lr, kind=kind, extra=extra)
    store.insert("runs", [{
        "run_id": run_id, "kind": kind, "model": model, "dataset": dataset, "seed": seed, "lr": lr,
        "group_name": group or dataset, "out_dir": out_dir, "config": config or {},
        "packages": package_versions(), "git_rev": git_revision(),
    }])
    return run_id


def checkpoint_key(run_id: str, step: int | None) -> str:
    return content_key("checkpoint", run_id, step)


def register_checkpoint(store: Store, run_id: str, step: int | None, *, path: str | None = None,
                        train_loss: float | None = None, heldout_loss: float | None = None,
                        total_steps: int | None = None, meta: dict | None = None) -> str:
    """Insert a checkpoint row (no-op when it exists) and return its id."""
    cid = checkpoint_key(run_id, step)
    store.insert("checkpoints", [{
        "checkpoint_id": cid, "run_id": run_id, "step": step, "path": path, "train_loss": train_loss,
        "heldout_loss": heldout_loss, "total_steps": total_steps, "meta": meta or {},
    }])
    return cid


def register_base_model(store: Store, model: str, path: str | None = None) -> str:
    """The base model as a run of kind 'base' with one checkpoint at step 0; returns the checkpoint id."""
    run_id = register_run(store, model=model, dataset=None, seed=None, lr=None, kind="base", group="base",
                          config={"model": model, "path": path})
    return register_checkpoint(store, run_id, 0, path=path, meta={"base": True})
