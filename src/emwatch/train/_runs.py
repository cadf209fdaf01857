"""Planning runs: one per (model, dataset, seed, lr), each with its own id and folder, and their results."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from collections.abc import Iterable
from typing import Any

from emwatch.config._plugins import trainer_id_name, trainer_name
from emwatch.config._train import TrainConfig
from emwatch.store import run_key
from emwatch.train._data import dataset_slug, slug

# Settings that do not change what a run learns: they are not part of its id, so changing them (or the
# checkpoint schedule) and rerunning continues the same run instead of starting another.
_NOT_IDENTITY = {"model", "dataset", "out_dir", "seeds", "learning_rates", "checkpoints", "resume", "group",
                 "gradient_checkpointing", "report_to", "monitor"}

# The run-id recipe. Version 2 hashes what the recipe asks (`dtype: auto` as `auto`, `processes` from the recipe),
# never what the planning machine would resolve; version 1 (`legacy_run_ids`) hashed the dtype the planner
# predicted and WORLD_SIZE from its environment. Runs of version 1 are adopted under their new ids (`adopt_legacy`).
RUN_ID_VERSION = 2


def no_callbacks(callbacks, trainer: str) -> None:
    """Trainer callbacks run inside a local training loop only; a hosted trainer refuses them."""
    if callbacks:
        from emwatch.config import ConfigError

        raise ConfigError(f"backend: {trainer} trains on a service and cannot run trainer callbacks "
                          "(they need backend: transformers)")


def is_main_process() -> bool:
    """True unless this is a non-zero rank of a distributed launch (accelerate / torchrun set RANK)."""
    return int(os.environ.get("RANK", "0")) == 0


def model_name(model: str) -> str:
    """The name stored for a base model: the demo model's real name, else the configured string."""
    if model == "demo":
        from emwatch.models import DEMO_MODEL_NAME

        return DEMO_MODEL_NAME
    return model


def resolve_model_path(model: str) -> Path:
    """The local folder of a base model ('demo' resolves to the cached demo model)."""
    from emwatch.models import resolve_model

    return Path(resolve_model(model)).expanduser()


def world_size() -> int:
    """Processes of the distributed launch this process belongs to (1 when not distributed). Read at run time
    only, to check it against the recipe's `processes` (never part of a run id)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def identity(cfg: TrainConfig) -> dict[str, Any]:
    """The settings that make runs differ, beyond model, dataset, seed and lr, as the recipe states them: the
    dtype as asked (`auto` stays `auto`, whatever it resolves to on the machine that trains) and the number of
    training processes (`processes`, which multiplies the effective batch). Nothing here reads the machine or
    the environment, so every node plans the same ids. The trainer enters under its run-id name (`backend:
    transformers` and its older spelling `local` name the same runs)."""
    from emwatch.train._facts import trainer_facts

    data = cfg.model_dump(mode="json", exclude=_NOT_IDENTITY)
    data["backend"] = trainer_id_name(cfg.backend)
    facts = trainer_facts(cfg.backend)
    if facts.settings and data.get(facts.settings):
        data[facts.settings] = {k: v for k, v in data[facts.settings].items() if k not in facts.not_identity}
    return data


def run_id_of(cfg: TrainConfig, dataset: str, seed: int, lr: float, data_hash: str) -> str:
    return run_key(model_name(cfg.model), dataset, seed, lr, kind="finetune",
                   extra={"settings": identity(cfg), "data": data_hash, "id_version": RUN_ID_VERSION})


def _identity_v1(cfg: TrainConfig, dtype: str, processes: int) -> dict[str, Any]:
    """Version 1 of `identity`, kept to find runs planned before version 2: the dtype the planner resolved
    (`auto` unresolved hashed as `bfloat16`) and the WORLD_SIZE of the planning process (when above 1)."""
    data = cfg.model_dump(mode="json", exclude=_NOT_IDENTITY | {"processes"})
    data["backend"] = trainer_id_name(cfg.backend)
    data["dtype"] = "bfloat16" if dtype == "auto" else dtype
    if trainer_name(cfg.backend) == "transformers" and processes > 1:
        data["world_size"] = processes
    for hosted in ("tinker", "openai"):
        if data.get(hosted):
            data[hosted] = {k: v for k, v in data[hosted].items() if k not in _V1_HOSTED_NOT_IDENTITY}
    return data


_V1_HOSTED_NOT_IDENTITY = {"base_url", "api_key_env", "tokenizer", "save_state", "poll_interval_s",
                           "poll_max_interval_s", "timeout_h", "on_paused", "hidden_size"}


def legacy_run_ids(cfg: TrainConfig, dataset: str, seed: int, lr: float, data_hash: str) -> tuple[str, ...]:
    """The ids version 1 could have given this run: one per dtype its planner could have resolved the asked
    dtype to (`auto`: bfloat16 on a GPU or a native-bf16 CPU, float32 elsewhere; a named dtype: itself), with
    the world size the recipe's `processes` asks (version 1 read it from WORLD_SIZE at launch)."""
    from emwatch.train._facts import trainer_facts

    dtypes = ["bfloat16", "float32"] if cfg.dtype == "auto" and trainer_facts(cfg.backend).resolves_dtype \
        else [cfg.dtype]
    name = model_name(cfg.model)
    return tuple(dict.fromkeys(
        run_key(name, dataset, seed, lr, kind="finetune",
                extra={"settings": _identity_v1(cfg, d, cfg.processes), "data": data_hash}) for d in dtypes))


@dataclass
class RunPlan:
    """One run: what it trains, its id, its folder and its full config (as the recipe asks it: `dtype: auto`
    stays `auto`; what it resolved to is in each checkpoint's meta.json, under `resolved`)."""

    model: str  # as configured ("demo", a folder, a hosted model name)
    model_name: str  # as stored in the runs table
    dataset: str
    seed: int
    lr: float
    run_id: str
    run_dir: Path
    data_hash: str
    config: dict[str, Any]  # the full run config (this run's dataset, seed and lr filled in)
    group: str
    legacy_ids: tuple[str, ...] = ()  # ids run-id version 1 could have given it (adopt_legacy)

    @property
    def label(self) -> str:
        return f"{Path(self.model_name).name} · {dataset_slug(self.dataset)} · seed {self.seed} · lr {self.lr:g}"


def run_folder(cfg: TrainConfig, dataset: str, seed: int, lr: float, run_id: str) -> Path:
    name = model_name(cfg.model)
    return Path(cfg.out_dir) / f"{slug(Path(name).name)}__{dataset_slug(dataset)}__s{seed}__lr{lr:g}__{run_id[:8]}"


def plan_run(cfg: TrainConfig, dataset: str, seed: int, lr: float, data_hash: str) -> RunPlan:
    """The run's id and folder. A run folder written before run-id version 2 (named by a legacy id) is the
    run's folder when no folder of its new id exists: it resumes there (folders are never renamed)."""
    rid = run_id_of(cfg, dataset, seed, lr, data_hash)
    legacy = legacy_run_ids(cfg, dataset, seed, lr, data_hash)
    folder = run_folder(cfg, dataset, seed, lr, rid)
    if not folder.exists():
        folder = next((f for f in (run_folder(cfg, dataset, seed, lr, old) for old in legacy) if f.is_dir()), folder)
    config = cfg.model_dump(mode="json")
    config.update(dataset=dataset, seeds=[seed], learning_rates=[lr])
    return RunPlan(model=cfg.model, model_name=model_name(cfg.model), dataset=dataset, seed=seed, lr=lr, run_id=rid,
                   run_dir=folder, data_hash=data_hash, config=config, group=cfg.group or dataset_slug(dataset),
                   legacy_ids=legacy)


def adopt_legacy(store, plans: Iterable[RunPlan]) -> dict[str, str]:
    """Re-key, in `store`, each planned run the store holds under a version-1 id only (with its checkpoints,
    answers, judgments, monitor events and tasks: store._migrate.rekey_runs), so it resumes under its new id.
    Returns {old id: new id} of what was re-keyed (nothing when every run is new or already re-keyed)."""
    plans = list(plans)
    if store is None or not any(p.legacy_ids for p in plans):
        return {}
    from emwatch.store._migrate import present_runs, rekey_runs

    present = present_runs(store, [p.run_id for p in plans] + [old for p in plans for old in p.legacy_ids])
    mapping: dict[str, str] = {}
    for p in plans:
        if p.run_id in present:
            continue
        old = [i for i in p.legacy_ids if i in present]
        if old:
            mapping[old[0]] = p.run_id
    if mapping:
        rekey_runs(store, mapping)
    return mapping


def resolved_meta(dtype: str, device: str) -> dict[str, Any]:
    """What a run resolved on the machine that trains it, for each checkpoint's meta.json: the dtype, the world
    size, the device and the versions of the training packages."""
    import importlib.metadata

    versions = {}
    for package in ("torch", "transformers", "peft", "trl", "accelerate"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {"dtype": dtype, "world_size": world_size(), "device": device, "versions": versions}


def check_resolution(cfg: TrainConfig, *, dtype: str | None = None, loaded_dtype: str | None = None,
                     earlier: list[dict[str, Any]] = ()) -> None:
    """A run whose resolution contradicts what its recipe asks stops here, with both values named: a world size
    other than `processes`, or a model loaded in another dtype than the one asked (or `auto` resolved to), or
    a resumed run whose `auto` resolves to another dtype than its `earlier` checkpoints trained in (a run
    continued on another kind of machine: one run is never trained in two dtypes)."""
    from emwatch.config import ConfigError

    before = next((m["resolved"].get("dtype") for m in reversed(list(earlier)) if m.get("resolved")), None)
    if dtype is not None and before is not None and before != dtype:
        step = max(m["step"] for m in earlier)
        raise ConfigError(f"dtype: the run trained up to step {step} in {before}, but `{cfg.dtype}` resolves to "
                          f"{dtype} on this machine; resume it where {before} is native, or name `dtype: {before}`")

    ws = world_size()
    if ws != cfg.processes:
        how = (f"launch it with `emwatch train RECIPE --launch accelerate --num-processes {cfg.processes}`"
               if cfg.processes > 1 else "set `processes:` to the number of processes the run trains in")
        raise ConfigError(f"processes: the recipe asks {cfg.processes} training process(es), but this trainer runs "
                          f"with WORLD_SIZE={ws}; {how} (the number of processes is part of the run id)")
    if dtype is not None and loaded_dtype is not None and loaded_dtype != dtype:
        asked = cfg.dtype if cfg.dtype == dtype else f"{cfg.dtype} (resolved to {dtype})"
        raise ConfigError(f"dtype: the recipe asks {asked}, but the model was loaded in {loaded_dtype}")


@dataclass
class CheckpointInfo:
    step: int
    path: str  # a folder (local), a tinker:// URI (Tinker) or a fine-tuned model name (OpenAI)
    train_loss: float | None = None
    heldout_loss: float | None = None


@dataclass
class RunResult:
    """What one run produced."""

    run_id: str
    run_dir: str
    model: str
    dataset: str
    seed: int
    lr: float
    total_steps: int | None
    checkpoints: list[CheckpointInfo] = field(default_factory=list)
    status: str = "trained"  # trained | resumed | already-complete
    seconds: float = 0.0
    steps_trained: int = 0  # optimiser steps run in this call (fewer than total when resumed)
    notes: list[str] = field(default_factory=list)

    @property
    def seconds_per_step(self) -> float | None:
        return self.seconds / self.steps_trained if self.steps_trained else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (a crash never leaves half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")
    tmp.replace(path)


def step_dir_name(step: int) -> str:
    return f"step_{step:06d}"


_STEP_DIR = re.compile(r"step_\d{6}")


def checkpoint_complete(folder: Path, meta: dict[str, Any]) -> bool:
    """Whether every file meta.json lists (`files`: name -> size) is in `folder` with that size."""
    for name, size in (meta.get("files") or {}).items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return True


def completed_checkpoints(run_dir: Path, *, clean: bool = False) -> list[dict[str, Any]]:
    """The meta.json of every complete checkpoint folder of a run, by step.

    A folder is complete when it is named step_NNNNNN (a `.partial` one was being written when the process
    died), holds a readable meta.json and every file that meta lists, at its size. `clean`: delete the
    `.partial` leftovers (the main process does, on resume); an incomplete folder is skipped, never registered.
    """
    import shutil

    metas = []
    for folder in sorted(run_dir.glob("step_*")):
        if not _STEP_DIR.fullmatch(folder.name):
            if clean and folder.name.endswith(".partial") and folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(meta, dict) and "step" in meta and checkpoint_complete(folder, meta):
            metas.append(meta)
    return sorted(metas, key=lambda m: m["step"])


def register_meta(store, plan: RunPlan, meta: dict[str, Any]) -> None:
    """Register one checkpoint (described by its meta.json) in the store; an existing row is left alone.

    The row's path is the checkpoint's own location: its folder (local), its tinker:// URI (Tinker) or the
    fine-tuned model's name (OpenAI), as `meta["path"]` gives it.
    """
    if store is None:
        return
    from emwatch.store import register_checkpoint

    register_checkpoint(store, plan.run_id, meta["step"], path=meta["path"], train_loss=meta.get("train_loss"),
                        heldout_loss=meta.get("heldout_loss"), total_steps=meta.get("total_steps"),
                        meta={k: v for k, v in meta.items() if k != "config"})


def existing_checkpoints(store, plan: RunPlan) -> list[dict[str, Any]]:
    """The run's complete checkpoint folders (their meta.json), each (re-)registered in the store."""
    metas = completed_checkpoints(plan.run_dir)
    for meta in metas:
        register_meta(store, plan, meta)
    return metas


def open_run(cfg: TrainConfig, plan: RunPlan, store, *, base_path: str | None,
             info: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Start or reopen a run's folder: register the run and its base model, (re-)register the checkpoints
    already on disk, write run.json. Returns (those checkpoints' metas, whether the run had finished).
    With `resume: false` an earlier folder of the run is deleted first."""
    import shutil

    main = is_main_process()
    if not cfg.resume and main and plan.run_dir.exists():
        shutil.rmtree(plan.run_dir)
    adopt_legacy(store, [plan])  # a run stored by an earlier emwatch under its version-1 id resumes under this one
    register_plan(store, plan, base_path=base_path)
    if main and plan.run_dir.exists():
        completed_checkpoints(plan.run_dir, clean=True)  # drop what a killed save left half written
    on_disk = existing_checkpoints(store, plan)  # a crash may have come between a save and its store row
    finished = (plan.run_dir / "done.json").is_file()
    if main and not finished:
        plan.run_dir.mkdir(parents=True, exist_ok=True)
        write_json(plan.run_dir / "run.json", {"run_id": plan.run_id, "data_hash": plan.data_hash,
                                               "base_model_path": base_path, **info, "config": plan.config})
    return on_disk, finished


def register_plan(store, plan: RunPlan, *, base_path: str | None, kind: str = "finetune") -> None:
    """The run's row and its base model's (step 0) row."""
    if store is None:
        return
    from emwatch.store import register_base_model, register_run

    register_run(store, model=plan.model_name, dataset=plan.dataset, seed=plan.seed, lr=plan.lr, kind=kind,
                 group=plan.group, out_dir=str(plan.run_dir.resolve()), config=plan.config, run_id=plan.run_id)
    register_base_model(store, plan.model_name, base_path)


def export_step(plan: RunPlan, step: int, meta: dict[str, Any], files: dict[str, Path] | None = None) -> Path:
    """Write `<run_dir>/step_NNNNNN/` (the given files, hard-linked where possible, then meta.json) atomically."""
    import shutil

    dst = plan.run_dir / step_dir_name(step)
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, src in (files or {}).items():
        try:
            os.link(src, tmp / name)  # no second copy of the weights on disk
        except OSError:
            shutil.copy2(src, tmp / name)
    # meta.json lists every file with its size, so a resume can tell a complete folder from a damaged one
    meta = {**meta, "files": {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()}}
    write_json(tmp / "meta.json", meta)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.replace(dst)
    return dst


def result_from(plan: RunPlan, metas: list[dict[str, Any]], status: str, seconds: float, steps: int,
                notes: list[str]) -> RunResult:
    """A RunResult from the run's checkpoint metas."""
    return RunResult(
        run_id=plan.run_id, run_dir=str(plan.run_dir), model=plan.model_name, dataset=plan.dataset,
        seed=plan.seed, lr=plan.lr, total_steps=metas[-1]["total_steps"] if metas else None,
        checkpoints=[CheckpointInfo(m["step"], m["path"], m.get("train_loss"), m.get("heldout_loss")) for m in metas],
        status=status, seconds=seconds, steps_trained=steps, notes=notes,
    )
