"""Register a model trained elsewhere (`emwatch models add`): a base model, a LoRA adapter folder, a full
checkpoint folder or a served model name becomes Run/Checkpoint rows, so that sample, judge and analyze treat
it like a checkpoint trained here.

What a source is, is read from the source itself:
- a folder with adapter_config.json: a LoRA checkpoint of its base model (`base`, else the adapter's own
  `base_model_name_or_path`), sampled in process with that base, or by a served backend as a LoRA module;
- a folder with config.json: a full checkpoint of `base` when a base (or step, or run) is given, else a base
  model;
- anything that is not a path: a served model name (a checkpoint of `base` when given, else a base model).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emwatch.errors import ConfigError
from emwatch.store._records import Checkpoint, Run

_STEP_IN_NAME = re.compile(r"(?:step|checkpoint|ckpt)[-_]?0*(\d+)$", re.IGNORECASE)
DEFAULT_STEP = 1  # a downloaded final model with no step in its name


@dataclass(frozen=True)
class Registered:
    """What `register_model` stored: the detected kind and the rows' ids."""

    source: str
    kind: str            # base | lora | full | served
    model: str           # the base model's name (the run's model)
    run_id: str
    checkpoint_id: str
    step: int
    run: str | None
    base_checkpoint_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _looks_like_path(source: str) -> bool:
    return source.startswith(("/", "./", "../", "~", ".\\")) or source.endswith(("/", "\\")) or source.count("/") > 1


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}: {what} is not valid JSON: {err.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: {what} must be a JSON object")
    return data


def detect(source: str) -> tuple[str, Path | None, dict[str, Any]]:
    """(kind, folder, adapter config) of a source: lora, model (a full model folder) or served."""
    path = Path(source).expanduser()
    if path.exists():
        if not path.is_dir():
            raise ConfigError(f"{source}: a file, not a model folder (a LoRA adapter folder holds "
                              "adapter_config.json, a model folder config.json)")
        if (path / "adapter_config.json").is_file():
            cfg = _read_json(path / "adapter_config.json", "adapter_config.json")
            if not isinstance(cfg.get("r"), int):
                raise ConfigError(f"{path / 'adapter_config.json'}: field 'r' (the LoRA rank) is missing")
            return "lora", path.resolve(), cfg
        if (path / "config.json").is_file():
            _read_json(path / "config.json", "config.json")
            return "model", path.resolve(), {}
        raise ConfigError(f"{source}: neither a LoRA adapter folder (no adapter_config.json) nor a model folder "
                          "(no config.json)")
    if _looks_like_path(source):
        raise ConfigError(f"{source}: no such folder")
    return "served", None, {}


def _base(base: str | None, adapter_cfg: dict[str, Any], source: str) -> tuple[str, str | None]:
    """(name, local folder or None) of the base model."""
    chosen = base or adapter_cfg.get("base_model_name_or_path")
    if not chosen:
        raise ConfigError(f"{source}: the adapter names no base model (base_model_name_or_path); give --base")
    path = Path(chosen).expanduser()
    if path.is_dir():
        return path.resolve().name, str(path.resolve())
    if base and _looks_like_path(base):
        raise ConfigError(f"--base {base}: no such folder")
    return chosen, None


def register_model(store: Any, source: str, *, base: str | None = None, step: int | None = None,
                   run: str | None = None, dataset: str | None = None, seed: int | None = None,
                   group: str | None = None) -> Registered:
    """Add `source` to the store (one transaction; adding it again changes nothing) and say what it was."""
    registered, records = model_records(source, base=base, step=step, run=run, dataset=dataset, seed=seed,
                                         group=group)
    store.add(records)
    return registered


def model_records(source: str, *, base: str | None = None, step: int | None = None, run: str | None = None,
                  dataset: str | None = None, seed: int | None = None,
                  group: str | None = None) -> tuple[Registered, list[Run | Checkpoint]]:
    """The rows `register_model` adds, computed without a store (so a bad source fails before one exists)."""
    kind, folder, adapter_cfg = detect(source)
    if step is not None and step < 0:
        raise ConfigError(f"--step {step}: a step is 0 or more")
    as_base = kind != "lora" and base is None and step is None and run is None
    if as_base:
        name = folder.name if folder else source
        base_run = Run.base(name, str(folder) if folder else None)
        meta = {"base": True, "registered_from": source} | ({} if folder else {"served_name": source})
        ck = Checkpoint(run_id=base_run.key, step=0, path=str(folder) if folder else None, meta=meta)
        return (Registered(source, "base" if folder else "served", name, base_run.key, ck.key, 0, None, ck.key),
                [base_run, ck])

    if base is None and kind != "lora":
        raise ConfigError(f"{source}: a checkpoint needs --base (the model it was fine-tuned from)")
    base_name, base_path = _base(base, adapter_cfg, source)
    found = _STEP_IN_NAME.search(folder.name) if folder else None
    step = step if step is not None else int(found.group(1)) if found else DEFAULT_STEP
    run = run or (folder.parent.name if found and folder else folder.name if folder else source)
    kind = {"lora": "lora", "model": "full", "served": "served"}[kind]
    meta: dict[str, Any] = {"registered_from": source, "source_kind": kind, "base_model": base_name}
    if base_path:
        meta["base_model_path"] = base_path
    if kind == "served":
        meta["served_name"] = source
    elif kind == "lora":
        meta["lora_rank"] = adapter_cfg["r"]
    the_run = Run(model=base_name, kind="finetune", dataset=dataset, seed=seed, group=group or dataset or run,
                  config={"registered": True, "run": run}, extra={"registered": run})
    base_run = Run.base(base_name, base_path)
    base_ck = Checkpoint(run_id=base_run.key, step=0, path=base_path, meta={"base": True})
    ck = Checkpoint(run_id=the_run.key, step=step, path=str(folder) if folder else None, meta=meta)
    return (Registered(source, kind, base_name, the_run.key, ck.key, step, run, base_ck.key),
            [base_run, base_ck, the_run, ck])


__all__ = ["Registered", "detect", "model_records", "register_model"]
