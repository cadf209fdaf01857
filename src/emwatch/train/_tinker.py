"""LoRA training on Tinker: the study's large models (Llama 3.x 8B/70B, Qwen3 up to 235B, DeepSeek-V3.1,
gpt-oss 20B/120B) through the `tinker` SDK.

The data are rendered with the model's own chat template (its date pinned, see backends._chat) and tokenised
with the tokenizer the training client hands out (`get_tokenizer()`: for Llama 3 the service names a non-gated
copy, so no licence token is needed) or a local `tinker.tokenizer`; the same assistant-only labels as local
training become Tinker datums (inputs, next-token targets, loss weights on assistant tokens and 0 elsewhere).

The optimiser and loss are explicit, not Tinker's defaults: Adam betas, epsilon and gradient clipping as
`tinker.adam_*` / `grad_clip_norm` (defaults: TRL's), and the loss a token mean over the effective batch as
TRL's (`loss_normalization: token_mean`: each weight is 1/N for the batch's N assistant tokens) or Tinker's
native token sum. Both are written into every checkpoint's meta. The learning-rate schedule is the local one,
except that warm-up starts at lr/warmup, not at 0 (a paid step that changes nothing). The next step is
submitted before the previous step's result is awaited, so the service always has work queued.

At each scheduled step the run saves sampler weights (registered in the store as a checkpoint whose path is
the tinker:// URI, so the sampling stage can sample it through Tinker) and, for resuming, the optimiser state.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from emwatch._progress import StepProgress
from emwatch.backends._chat import DEFAULT_TEMPLATE_DATE, pin_template_date
from emwatch.backends._chat import load_tokenizer as load_chat_tokenizer
from emwatch.config import api_key
from emwatch.config._hyper import recommended_lr
from emwatch.config._train import TinkerSettings, TrainConfig
from emwatch.errors import BackendError
from emwatch.train._data import Prepared, prepare
from emwatch.train._masking import IGNORE
from emwatch.train._runs import (
    RunPlan, RunResult, completed_checkpoints, export_step, no_callbacks, open_run, register_meta, result_from,
    write_json,
)
from emwatch.train._schedule import checkpoint_steps, dropped_steps, lr_at


def to_datum(example: dict[str, list[int]], scale: float = 1.0):
    """A Tinker datum from token ids and labels: predict token t+1 from tokens 0..t, weight `scale` where the
    predicted token is an assistant token (label not IGNORE), else 0."""
    from tinker import types

    ids, labels = example["input_ids"], example["labels"]
    weights = [0.0 if lab == IGNORE else scale for lab in labels[1:]]
    return types.Datum(model_input=types.ModelInput.from_ints(ids[:-1]),
                       loss_fn_inputs={"target_tokens": ids[1:], "weights": weights})


def batch_datums(examples: list[dict[str, list[int]]], normalization: str) -> list:
    """One optimiser step's datums. token_mean: weights 1/N over the batch's N assistant tokens, so Tinker's
    summed loss is the token mean TRL minimises (its gradient too); token_sum: weights 1."""
    n = sum(1 for ex in examples for lab in ex["labels"][1:] if lab != IGNORE)
    scale = 1.0 / n if normalization == "token_mean" and n else 1.0
    return [to_datum(ex, scale) for ex in examples]


def step_lr(step: int, total: int, base: float, *, warmup: int, kind: str) -> float:
    """The learning rate of optimiser step `step` (1-based): linear warm-up reaching `base` at step `warmup`
    (transformers' scheduler gives step 1 a rate of 0, which on Tinker is a paid step that changes nothing),
    then the local schedule's decay."""
    if step <= warmup:
        return base * step / warmup
    return lr_at(step, total, base, warmup=warmup, kind=kind)


def optimizer(settings: TinkerSettings, weight_decay: float) -> dict[str, float]:
    """The Adam settings sent with every step (recorded in each checkpoint's meta)."""
    return {"beta1": settings.adam_beta1, "beta2": settings.adam_beta2, "eps": settings.adam_eps,
            "weight_decay": weight_decay, "grad_clip_norm": settings.grad_clip_norm}


def batch_order(n: int, batch: int, total_steps: int, seed: int) -> list[list[int]]:
    """Example indices of each optimiser step: a fresh seeded shuffle per epoch, cut into batches (the last
    batch of an epoch may be short). Deterministic, so a resumed run continues where it stopped."""
    steps: list[list[int]] = []
    epoch = 0
    while len(steps) < total_steps:
        idx = list(range(n))
        random.Random(seed * 100_003 + epoch).shuffle(idx)
        steps += [idx[i:i + batch] for i in range(0, n, batch)]
        epoch += 1
    return steps[:total_steps]


def total_steps(cfg: TrainConfig, n_train: int) -> int:
    per_epoch = math.ceil(n_train / (cfg.batch_size * cfg.grad_accum))
    return cfg.max_steps or max(1, math.ceil(per_epoch * cfg.epochs))


def load_tokenizer(settings: TinkerSettings, client=None):
    """The tokenizer (and chat template) the data are rendered with: a local `tinker.tokenizer`, else the one
    the training client hands out (the service names a non-gated copy for Llama 3), date pinned."""
    if settings.tokenizer:
        tok = load_chat_tokenizer(settings.tokenizer, field="tinker.tokenizer")
    else:
        try:
            tok = client.get_tokenizer()
        except Exception as e:  # noqa: BLE001 - hub or service failure: say which setting avoids it
            raise BackendError(f"Tinker: cannot load the model's tokenizer through the training client ({e}); "
                               "set tinker.tokenizer to a local folder with the tokenizer and chat template") from e
    return pin_template_date(tok, settings.template_date)


def _mean_loss(out, data) -> float | None:
    weight = sum(float(sum(d.loss_fn_inputs["weights"].tolist())) for d in data)
    return out.metrics["loss:sum"] / weight if weight else None


def heldout_loss(client, held: list) -> float | None:
    """Token-mean cross-entropy of the held-out datums (forward only, no gradient)."""
    if not held:
        return None
    return _mean_loss(client.forward(held, "cross_entropy").result(), held)


def train_runs(cfg: TrainConfig, runs: Iterable[tuple[RunPlan, list[dict]]], *, store=None,
               progress: bool = True, callbacks: Sequence = ()) -> list[RunResult]:
    """The trainer registered as `tinker`: one LoRA run on Tinker per run of the config."""
    no_callbacks(callbacks, "tinker")
    return [train_tinker(cfg, plan, records, store=store, progress=progress) for plan, records in runs]


def train_tinker(cfg: TrainConfig, plan: RunPlan, records: list[dict], *, store=None,
                 progress: bool = True, service=None) -> RunResult:
    """One LoRA run on Tinker (resumed from its last saved state when interrupted)."""
    import tinker

    settings = cfg.tinker or TinkerSettings()
    base_model = settings.base_model or cfg.model
    on_disk, finished = open_run(cfg, plan, store, base_path=base_model, info={"backend": "tinker"})
    if finished:
        return result_from(plan, on_disk, "already-complete", 0.0, 0, [])
    resume = next((m for m in reversed(on_disk) if m.get("state_path")), None)
    owns_service = service is None
    if service is None:
        service = tinker.ServiceClient(base_url=settings.base_url, display_name=f"emwatch {plan.label}",
                                       api_key=api_key(settings.api_key_env, who="backend: tinker"))
    try:
        result = _train_loop(cfg, plan, store, service, resume, records, settings, base_model, progress)
    except BaseException as e:
        if owns_service:
            service.close("errored" if isinstance(e, Exception) else "interrupted").result()
        if isinstance(e, tinker.TinkerError):  # after the SDK's own retries: the service refused or failed
            raise BackendError(f"Tinker: {e} (rerun to resume from the last checkpoint)") from e
        raise
    if owns_service:
        service.close("success").result()
    return result


def _train_loop(cfg: TrainConfig, plan: RunPlan, store, service, resume: dict | None, records: list[dict],
                settings: TinkerSettings, base_model: str, progress: bool) -> RunResult:
    from tinker import types

    if resume:
        client = service.create_training_client_from_state_with_optimizer(resume["state_path"]).result()
    else:
        client = service.create_lora_training_client(
            base_model, rank=cfg.lora.r, seed=plan.seed, train_mlp=settings.train_mlp,
            train_attn=settings.train_attn, train_unembed=settings.train_unembed).result()
    tokenizer = load_tokenizer(settings, client)
    prepared: Prepared = prepare(records, tokenizer, max_seq_len=cfg.max_seq_len,
                                 heldout_fraction=cfg.heldout_fraction, source=plan.dataset)
    held = [to_datum(ex) for ex in prepared.heldout]
    total = total_steps(cfg, len(prepared.train))
    start = resume["step"] if resume else 0
    save_at = set(checkpoint_steps(cfg.checkpoints, total))
    order = batch_order(len(prepared.train), cfg.batch_size * cfg.grad_accum, total, plan.seed)
    adam = optimizer(settings, cfg.weight_decay)
    bar = StepProgress(plan.label, total, start) if progress else None
    losses: dict[int, float] = {}
    pending: list[tuple[int, Any, Any, list]] = []  # steps submitted, results not yet read
    # -- online EM monitor (emwatch.monitor): a look at each saved sampler checkpoint --
    from emwatch.train._callbacks import tinker_monitor
    watch = tinker_monitor(cfg, plan, store, service, base_model, settings.tokenizer, len(save_at))
    last = total

    def settle() -> None:
        """Read the results of the submitted steps (in order)."""
        while pending:
            done_step, fwd, opt, batch = pending.pop(0)
            loss = _mean_loss(fwd.result(), batch)
            opt.result()
            if loss is not None:
                losses[done_step] = loss
            if bar and done_step not in save_at:
                bar.update(done_step, loss=losses.get(done_step))

    t0 = time.perf_counter()
    try:
        for step in range(start + 1, total + 1):
            batch = batch_datums([prepared.train[i] for i in order[step - 1]], settings.loss_normalization)
            lr = step_lr(step, total, plan.lr, warmup=cfg.warmup_steps, kind=cfg.lr_schedule)
            fwd = client.forward_backward(batch, "cross_entropy")
            opt = client.optim_step(types.AdamParams(learning_rate=lr, **adam))
            # the service runs one client's requests in submission order: this step is queued behind the
            # previous one while its result is read
            settle()
            pending.append((step, fwd, opt, batch))
            if step in save_at:
                settle()
                meta = _save(client, plan, step, total, losses, held, settings, base_model, prepared, step == total,
                             adam)
                register_meta(store, plan, meta)
                if bar:
                    bar.update(step, loss=losses.get(step), heldout=meta["heldout_loss"])
                if watch is not None and watch.look(step, meta["path"], meta["heldout_loss"]):  # monitor: stop
                    last = step
                    break
        settle()
    finally:
        if bar:
            bar.stop()
        if watch is not None:
            watch.close()
    seconds = time.perf_counter() - t0
    notes = []
    if dropped := dropped_steps(cfg.checkpoints, total):
        notes.append(f"checkpoint steps beyond the end of training ({total}) were not saved: {dropped}")
    if last < total:
        notes.append(f"stopped by the online EM monitor at step {last}")
    write_json(plan.run_dir / "done.json", {"run_id": plan.run_id, "total_steps": total, "seconds": seconds,
                                            "notes": notes})
    return result_from(plan, completed_checkpoints(plan.run_dir), "resumed" if resume else "trained", seconds,
                       last - start, notes)


def _save(client, plan: RunPlan, step: int, total: int, losses: dict[int, float], held: list,
          settings: TinkerSettings, base_model: str, prepared: Prepared, final: bool,
          adam: dict[str, float]) -> dict[str, Any]:
    name = f"{plan.run_id[:8]}-step_{step:06d}"
    sampler_path = client.save_weights_for_sampler(name).result().path
    state_path = client.save_state(name).result().path if settings.save_state else None
    meta = {
        "run_id": plan.run_id, "step": step, "total_steps": total, "path": sampler_path, "backend": "tinker",
        "state_path": state_path, "train_loss": losses.get(step), "heldout_loss": heldout_loss(client, held),
        "data_hash": plan.data_hash, "base_model": plan.model_name, "base_model_path": base_model,
        "adapter": True, "dataset": plan.dataset, "seed": plan.seed, "lr": plan.lr, "final": final,
        "n_train": len(prepared.train), "n_heldout": len(prepared.heldout), "n_dropped": prepared.n_dropped,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "config": plan.config,
        "optimizer": {"name": "adam", **adam}, "loss_normalization": settings.loss_normalization,
        "template_date": settings.template_date or DEFAULT_TEMPLATE_DATE,
        "recommended_lr": _recommended(base_model, settings),
    }
    export_step(plan, step, meta)
    return meta


def _recommended(model: str, settings: TinkerSettings) -> float | None:
    """The Tinker cookbook's LoRA rate for the model, beside the rate used (None where it has no formula)."""
    try:
        return recommended_lr(model, hidden_size=settings.hidden_size)
    except ValueError:
        return None
