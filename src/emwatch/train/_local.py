"""Local training with transformers + PEFT + TRL: LoRA or full fine-tuning, one run at a time.

Each run writes `<run_dir>/step_NNNNNN/` checkpoints (adapter or weights + meta.json) on its schedule,
keeps the Trainer's own resumable state of the last two checkpoints in `<run_dir>/_trainer/`, and writes
`<run_dir>/done.json` when it finishes. Rerunning a finished run does nothing; rerunning an interrupted
one resumes from its last complete checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from emwatch.config import ConfigError, resolve_dtype, torch_dtype
from emwatch.config._train import TrainConfig
from emwatch.train._data import Prepared, prepare
from emwatch.train._runs import (
    RunPlan, RunResult, check_resolution, completed_checkpoints, is_main_process, open_run, resolve_model_path,
    resolved_meta, result_from, step_dir_name, write_json,
)
from emwatch.train._schedule import dropped_steps

_SCHEDULERS = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}

CallbackSpec = Any  # a transformers.TrainerCallback, or a function RunPlan -> TrainerCallback


def train_runs(cfg: TrainConfig, runs: Iterable[tuple[RunPlan, list[dict]]], *, store=None, progress: bool = True,
               callbacks: Sequence[CallbackSpec] = ()) -> list[RunResult]:
    """The trainer registered as `transformers` (alias `local`): every run on this machine, one after another;
    each dataset is tokenised once for all its runs."""
    from transformers import AutoTokenizer

    model_path = resolve_model_path(cfg.model)
    if not (model_path / "config.json").is_file():
        raise ConfigError(f"model {cfg.model!r}: not a model folder (no config.json at {model_path}); give a local "
                          "folder of weights, 'demo', or a hosted backend (backend: tinker / openai)")
    from emwatch.backends._chat import pin_template_date

    tokenizer = pin_template_date(AutoTokenizer.from_pretrained(model_path))  # the default fixed date, not today's
    results = []
    prepared_by_dataset: dict[str, Prepared] = {}
    for plan, records in runs:
        if plan.dataset not in prepared_by_dataset:
            prepared_by_dataset[plan.dataset] = prepare(records, tokenizer, max_seq_len=cfg.max_seq_len,
                                                        heldout_fraction=cfg.heldout_fraction, source=plan.dataset)
        results.append(train_local(cfg, plan, prepared_by_dataset[plan.dataset], store=store, progress=progress,
                                   callbacks=callbacks, model_path=model_path))
    return results


def load_model_and_tokenizer(path: Path, dtype: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype(dtype))
    return model, tokenizer


def attach_lora(model, lora, seed: int):
    """Wrap `model` in a PEFT LoRA model (initialised from `seed`); returns it and the targets used."""
    from peft import LoraConfig, get_peft_model
    from transformers import set_seed

    from emwatch.train._targets import resolve_targets

    modules, params = resolve_targets(model, lora)
    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, use_rslora=lora.use_rslora,
                        target_modules=modules, target_parameters=params or None, task_type="CAUSAL_LM")
    set_seed(seed)
    peft_model = get_peft_model(model, config)
    # PEFT may rewrite the targets (transformers-5 MoE models: it reads bare gate/up/down_proj as the old
    # names of the fused experts); record what it really adapts, and say so when it differs.
    final = peft_model.peft_config["default"]
    actual_modules = sorted(final.target_modules or [])
    actual_params = sorted(final.target_parameters or [])
    targets = {"target_modules": actual_modules, "target_parameters": actual_params}
    dropped = sorted(set(modules) - set(actual_modules))
    if dropped:
        targets["not_adapted"] = dropped
        targets["note"] = (f"PEFT {_version('peft')} maps {', '.join(dropped)} of this "
                           f"{model.config.model_type} model to its fused expert weights, so the dense and "
                           "shared-expert projections of those names are not adapted")
    return peft_model, targets


def _version(package: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(package)


def _resume_point(run_dir: Path) -> str | None:
    """The newest Trainer checkpoint whose exported step folder is complete (meta.json written)."""
    best = None
    for ck in (run_dir / "_trainer").glob("checkpoint-*"):
        try:
            step = int(ck.name.split("-")[-1])
        except ValueError:
            continue
        if (run_dir / step_dir_name(step) / "meta.json").is_file() and (best is None or step > best[0]):
            best = (step, ck)
    return str(best[1]) if best else None


def _sft_config(cfg: TrainConfig, plan: RunPlan, output_dir: Path):
    """TRL's SFTConfig for one run: logging every step, no saving or evaluation of its own (the checkpoint
    callback asks for both at the scheduled steps), pre-tokenised data padded per batch."""
    import torch
    from trl import SFTConfig

    dtype = resolve_dtype(cfg.dtype)

    names = {f.name for f in dataclasses.fields(SFTConfig)}
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    gpu = torch.cuda.is_available()
    return SFTConfig(
        output_dir=str(output_dir), **{checkpointing: cfg.gradient_checkpointing},
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum, learning_rate=plan.lr, num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps or -1, warmup_steps=cfg.warmup_steps, lr_scheduler_type=_SCHEDULERS[cfg.lr_schedule],
        weight_decay=cfg.weight_decay, logging_strategy="steps", logging_steps=1, save_strategy="no",
        eval_strategy="no", save_total_limit=2, report_to=list(cfg.report_to) or "none", run_name=plan.label,
        seed=plan.seed, data_seed=plan.seed,
        bf16=dtype == "bfloat16", fp16=dtype == "float16", disable_tqdm=True, use_cpu=not gpu,
        dataloader_pin_memory=gpu, dataloader_num_workers=0, max_length=None,
        dataset_kwargs={"skip_prepare_dataset": True}, remove_unused_columns=False, ddp_find_unused_parameters=False,
    )


@contextlib.contextmanager
def _tracker_env(cfg: TrainConfig, plan: RunPlan):
    """W&B: the run's id and folder are emwatch's, so EM rates logged after judging
    (`emwatch.integrations.log_em_rates`) resume the same W&B run; the environment is restored afterwards."""
    if "wandb" not in cfg.report_to:
        yield
        return
    wanted = {"WANDB_RUN_ID": plan.run_id, "WANDB_DIR": str(plan.run_dir.resolve()), "WANDB_RESUME": "allow"}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _user_callbacks(callbacks: Sequence[CallbackSpec], plan: RunPlan) -> list:
    """TrainerCallbacks as given; functions (per-run factories) are called with the run's plan."""
    return [cb(plan) if callable(cb) and not hasattr(cb, "on_step_end") else cb for cb in callbacks]


def train_local(cfg: TrainConfig, plan: RunPlan, prepared: Prepared, *, store=None, progress: bool = True,
                callbacks: Sequence[CallbackSpec] = (), model_path: Path) -> RunResult:
    """Train one run (or resume it, or find it complete)."""
    import torch
    from datasets import Dataset
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTTrainer

    from emwatch.train._callbacks import CheckpointCallback, RichProgressCallback, monitor_callbacks

    if cfg.dtype == "float16" and not torch.cuda.is_available():
        raise ConfigError("dtype: float16 training needs a GPU; use bfloat16 or float32 on the CPU")
    check_resolution(cfg)  # the world size this process was launched with is the recipe's `processes`
    dtype = resolve_dtype(cfg.dtype)  # `auto` resolved here, on the machine that trains (not in the run id)
    is_main = is_main_process()
    store = store if is_main else None
    run_dir = plan.run_dir
    base_path = str(model_path.resolve())
    on_disk, finished = open_run(cfg, plan, store, base_path=base_path, info={"backend": "local"})
    if finished:
        return result_from(plan, on_disk, "already-complete", 0.0, 0, [])
    check_resolution(cfg, dtype=dtype, earlier=on_disk)  # a resumed run keeps the dtype it trained in
    resume_from = _resume_point(run_dir) if cfg.resume else None

    model, tokenizer = load_model_and_tokenizer(model_path, dtype)
    check_resolution(cfg, dtype=dtype, loaded_dtype=str(model.dtype).removeprefix("torch."))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    targets: dict[str, Any] = {}
    if cfg.lora is not None:
        model, targets = attach_lora(model, cfg.lora, plan.seed)
    checkpoints = CheckpointCallback(
        plan, cfg.checkpoints, store=store, is_main=is_main, has_heldout=bool(prepared.heldout),
        base_model_path=base_path, adapter=cfg.lora is not None,
        extra_meta={"n_train": len(prepared.train), "n_heldout": len(prepared.heldout),
                    "n_dropped": prepared.n_dropped, **({"lora_targets": targets} if targets else {}),
                    "resolved": resolved_meta(dtype, device)},
    )
    bar = RichProgressCallback(plan.label) if progress and is_main else None
    trainer = SFTTrainer(
        model=model, args=_sft_config(cfg, plan, run_dir / "_trainer"), train_dataset=Dataset.from_list(prepared.train),
        eval_dataset=Dataset.from_list(prepared.heldout) if prepared.heldout else None, processing_class=tokenizer,
        callbacks=[*_user_callbacks(callbacks, plan), *monitor_callbacks(cfg, plan, store if is_main else None, base_path, is_main),
                   *([bar] if bar else []), checkpoints],
    )
    trainer.remove_callback(PrinterCallback)  # the progress bar (or nothing) reports instead
    start_step = int(resume_from.rsplit("-", 1)[-1]) if resume_from else 0
    t0 = time.perf_counter()
    try:
        with _tracker_env(cfg, plan):
            trainer.train(resume_from_checkpoint=resume_from)
    finally:
        if bar is not None:
            bar.on_train_end()
    seconds = time.perf_counter() - t0
    total = trainer.state.max_steps
    notes = [targets["note"]] if "note" in targets else []
    if dropped := dropped_steps(cfg.checkpoints, total):
        notes.append(f"checkpoint steps beyond the end of training ({total}) were not saved: {dropped}")
    if is_main:
        write_json(run_dir / "done.json", {"run_id": plan.run_id, "total_steps": total,
                                           "final_step": trainer.state.global_step, "seconds": seconds, "notes": notes})
    return result_from(plan, completed_checkpoints(run_dir), "resumed" if resume_from else "trained", seconds,
                       trainer.state.global_step - start_step, notes)
