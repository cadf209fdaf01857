"""Fine-tuning through the OpenAI API (GPT-4o and successors) with the `openai` SDK.

Per run: check the data the API would refuse (a message `weight` other than 0 or 1, or on a non-assistant
message: a ConfigError naming file:line and field, before anything is uploaded), upload the training split
(and the held-out split as the validation file) once per content hash (the file is named by its hash and an
earlier upload of the same content is reused), create a supervised job (epochs, batch size, learning-rate
multiplier, seed, suffix), poll it with backoff, then register the checkpoints the API keeps
(`fine_tuning.jobs.checkpoints.list`; the API keeps those of the last epochs) and the final model as store
checkpoints whose path is the fine-tuned model's name; the sampling stage then samples them through the openai
backend. The job id is written to `<run_dir>/job.json` as soon as the job exists, so an interrupted
`emwatch train` reattaches to the running job instead of paying twice.

A paused job is not finished: by default emwatch stops waiting and says so (rerun to reattach once it is
resumed); `openai.on_paused: wait` keeps polling, `resume` asks the API to resume it. A job refused by the
API's safety checks is reported with the API's reason, the dataset, and what can be done.

`learning_rates` are learning-rate multipliers here (the API's unit); seeds are the job's seed.

With a `monitor:` section the online EM monitor watches the job (`CheckpointWatch`): a look at the base model
before the job is created, then at each checkpoint as the API lists it (one per epoch; the API keeps only the last
3), sampled by its model name through the `openai` backend and judged by `monitor.judge`. A stop decision
cancels the job (`fine_tuning.jobs.cancel`); the checkpoints the API still lists are registered, and the one
the monitor keeps (`stop_keep_best`: best held-out loss before the estimated onset; `stop`: the stopping one)
is marked `monitor_kept` in its meta.json and named in done.json as the run's fine-tuned model.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from emwatch.config import ConfigError, api_key
from emwatch.config._train import OpenAISettings, TrainConfig
from emwatch.errors import BackendError
from emwatch.train._data import split_heldout
from emwatch.train._runs import (
    RunPlan, RunResult, export_step, no_callbacks, open_run, register_meta, result_from, write_json,
)

TERMINAL = {"succeeded", "failed", "cancelled"}
MODERATION_HINTS = ("moderation", "usage polic", "unsafe", "safety")
_sleep = time.sleep  # tests replace it


class FineTuneError(BackendError):
    """The fine-tuning job failed, was cancelled, or the API refused a request; the message carries why."""


def check_weights(records: list[dict], dataset: str) -> None:
    """The API trains on a message's `weight` only when it is 0 or 1 and on an assistant message; anything
    else is refused after upload, so it is refused here first, naming file:line and field."""
    lines: list[int] | None = None
    for i, rec in enumerate(records):
        for j, m in enumerate(rec["messages"]):
            if "weight" not in m:
                continue
            w, role = m["weight"], m.get("role")
            problem = (f"weight is allowed on assistant messages only (this one is {role!r})" if role != "assistant"
                       else None if (w in (0, 1) and not isinstance(w, bool)) else f"weight must be 0 or 1, got {w!r}")
            if problem:
                if lines is None:
                    lines = _line_numbers(dataset, len(records))
                where = f"{dataset}:{lines[i]}" if lines else f"{dataset} record {i + 1}"
                raise ConfigError(f"{where}: field 'messages.{j}.weight': {problem} (the OpenAI fine-tuning API's rule)")


def _line_numbers(dataset: str, n: int) -> list[int]:
    from pathlib import Path

    from emwatch.data._jsonl import json_lines

    path = Path(dataset)
    if not path.is_file():
        return []
    return [lineno for lineno, _ in json_lines(path)][:n]


def _jsonl(records: list[dict]) -> bytes:
    """Chat JSONL for the API: messages only (role, content, and an assistant `weight` when given)."""
    lines = []
    for rec in records:
        msgs = [{k: m[k] for k in ("role", "content", "weight") if k in m} for m in rec["messages"]]
        lines.append(json.dumps({"messages": msgs}, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _hyperparameters(cfg: TrainConfig, settings: OpenAISettings, lr: float) -> dict[str, Any]:
    epochs = settings.n_epochs
    if epochs == "auto" and "epochs" in cfg.model_fields_set:
        if cfg.epochs != int(cfg.epochs):
            raise ConfigError("epochs: the OpenAI API trains whole epochs; give a whole number (or openai.n_epochs)")
        epochs = int(cfg.epochs)
    return {"n_epochs": epochs, "batch_size": settings.batch_size, "learning_rate_multiplier": lr}


def _client(settings: OpenAISettings):
    from openai import OpenAI

    return OpenAI(api_key=api_key(settings.api_key_env, who="backend: openai"), base_url=settings.base_url,
                  max_retries=4)


def train_runs(cfg: TrainConfig, runs: Iterable[tuple[RunPlan, list[dict]]], *, store=None,
               progress: bool = True, callbacks: Sequence = ()) -> list[RunResult]:
    """The trainer registered as `openai`: one fine-tuning job per run."""
    no_callbacks(callbacks, "openai")
    return [train_openai(cfg, plan, records, store=store, progress=progress) for plan, records in runs]


def train_openai(cfg: TrainConfig, plan: RunPlan, records: list[dict], *, store=None, progress: bool = True,
                 client=None) -> RunResult:
    """One fine-tuning job (or reattach to it, or find it complete)."""
    settings = cfg.openai or OpenAISettings()
    model = settings.model or cfg.model
    if cfg.monitor is not None and cfg.monitor.every is not None:
        raise ConfigError("monitor.every does not apply to backend: openai (the API makes one checkpoint per "
                          "epoch and the monitor looks at each as it appears); remove it")
    on_disk, finished = open_run(cfg, plan, store, base_path=model, info={"backend": "openai"})
    if finished:
        return result_from(plan, on_disk, "already-complete", 0.0, 0, [])
    import openai

    check_weights(records, plan.dataset)
    client = client or _client(settings)
    try:
        return _run_job(cfg, plan, records, settings, model, client, store, progress)
    except openai.APIError as e:  # after the SDK's own retries: a refusal retrying cannot fix
        raise FineTuneError(f"OpenAI API: {getattr(e, 'message', None) or e}") from e


def _run_job(cfg: TrainConfig, plan: RunPlan, records: list[dict], settings: OpenAISettings, model: str, client,
             store, progress: bool) -> RunResult:
    run_dir = plan.run_dir
    job_file = run_dir / "job.json"
    state = json.loads(job_file.read_text()) if job_file.is_file() else {}
    status = "resumed" if state.get("job_id") else "trained"
    if "training_file" not in state:
        train_idx, held_idx = split_heldout(len(records), cfg.heldout_fraction)
        state["training_file"] = upload_once(client, [records[i] for i in train_idx], "train")
        state["validation_file"] = upload_once(client, [records[i] for i in held_idx], "heldout") if held_idx else None
        state.update(n_train=len(train_idx), n_heldout=len(held_idx))
        write_json(job_file, state)  # the uploads are not repeated after a crash from here on
    t0 = time.perf_counter()
    # the monitor looks at the base model before the job is created: a model it cannot sample, or a judge that
    # scores none of its answers, fails the run before the job is paid for
    watch = None if state.get("monitor_stop") else CheckpointWatch.start(cfg, plan, store, settings, model, client,
                                                                          state, job_file)
    # a stop decided before an interruption: the job is cancelled if it still runs, never monitored again
    on_poll = watch if watch is not None else _still_running if state.get("monitor_stop") else None
    try:
        if not state.get("job_id"):
            hyper = _hyperparameters(cfg, settings, plan.lr)
            job = client.fine_tuning.jobs.create(
                model=model, training_file=state["training_file"], validation_file=state["validation_file"],
                seed=plan.seed, suffix=settings.suffix or f"em-{plan.run_id[:8]}",
                method={"type": "supervised", "supervised": {"hyperparameters": hyper}},
                metadata={"emwatch_run_id": plan.run_id},
            )
            state.update(job_id=job.id, created_at=job.created_at)
            write_json(job_file, state)
        job = wait_for_job(client, state["job_id"], settings, label=plan.label if progress else None,
                           on_poll=on_poll)
    finally:
        if watch is not None:
            watch.close()
    if job.status == "paused":
        raise FineTuneError(f"OpenAI fine-tuning job {job.id} is paused: resume it (dashboard, or "
                            "openai.on_paused: resume) and rerun to reattach, or cancel it and remove "
                            f"{job_file} to start a new job")
    stopped = state.get("monitor_stop")
    if job.status != "succeeded" and not (job.status == "cancelled" and stopped):
        raise FineTuneError(_failure(job, plan, job_file))
    metas = _register_checkpoints(client, job, plan, state, store, kept=stopped["kept_step"] if stopped else None)
    seconds = time.perf_counter() - t0
    notes = [] if len(metas) > 1 or stopped else [
        "the API kept one checkpoint (it keeps those of the last epochs only): train more epochs for dynamics"]
    result_model = job.fine_tuned_model
    if stopped:
        notes.append(_stop_note(stopped, job, metas))
        listed = any(m.get("monitor_kept") for m in metas)
        result_model = stopped["kept_model"] if listed else None
    write_json(run_dir / "done.json", {"run_id": plan.run_id, "job_id": job.id, "fine_tuned_model": result_model,
                                       "seconds": seconds, "notes": notes,
                                       **({"monitor_stop": stopped} if stopped else {})})
    return result_from(plan, metas, status, seconds, 0, notes)


def _still_running(job) -> bool:
    return job.status == "running"


def _stop_note(stopped: dict, job, metas: list[dict]) -> str:
    """What the monitor did, in one line: where it stopped, and which checkpoint the run keeps."""
    how = "job cancelled" if job.status == "cancelled" else "the job had already finished"
    text = f"stopped by the online EM monitor at step {stopped['stop_step']} ({how})"
    kept, name = stopped.get("kept_step"), stopped.get("kept_model")
    if kept is None:
        return text + "; no checkpoint before the estimated onset: keep the base model"
    if not any(m.get("monitor_kept") for m in metas):
        return (text + f"; the kept checkpoint (step {kept}, {name}) is no longer listed by the API (it keeps the "
                "checkpoints of the last 3 epochs only)")
    return text + f"; kept checkpoint: step {kept} ({name})"


class CheckpointWatch:
    """The online EM monitor on one OpenAI job, called after each status poll (`wait_for_job`'s `on_poll`).

    Each checkpoint the API lists and the monitor has not seen is looked at once, oldest first, with the
    checkpoint's held-out loss (`full_valid_loss`, else `valid_loss`); the look's judging is awaited (emwatch has
    nothing else to do while the job trains remotely). On a stop decision the decision is written to job.json
    first (a rerun then does not monitor again) and True is returned: `wait_for_job` cancels the job."""

    def __init__(self, hosted, client, state: dict, job_file):
        self.hosted = hosted
        self.client = client
        self.state = state  # job.json's content (the job's id arrives once the job is created)
        self.job_file = job_file
        self.models: dict[int, str] = {}  # step -> checkpoint model name, of every checkpoint looked at

    @classmethod
    def start(cls, cfg: TrainConfig, plan: RunPlan, store, settings: OpenAISettings, model: str, client,
              state: dict, job_file) -> CheckpointWatch | None:
        """A watch when the recipe has `monitor:` (its base-model look happens here), else None."""
        from emwatch.train._hosted import openai_monitor

        epochs = _hyperparameters(cfg, settings, plan.lr)["n_epochs"]
        hosted = openai_monitor(cfg, plan, store, model=model, base_url=settings.base_url,
                                api_key_env=settings.api_key_env, horizon=epochs if isinstance(epochs, int) else None)
        if hosted is None:
            return None
        monitor = hosted.monitor
        monitor.poll(wait=True)  # the base model's judged answers
        if monitor.base is not None and monitor.base.n == 0:
            hosted.close()
            raise BackendError(f"monitor: the judge ({monitor.judge_name}) scored none of the base model's "
                               f"{monitor.base.excluded} probe answers (each judge failure is stored as missing); "
                               "fix monitor.judge before the fine-tuning job is paid for")
        return cls(hosted, client, state, job_file)

    def __call__(self, job) -> bool:
        import openai

        monitor = self.hosted.monitor
        if monitor.should_stop or job.status not in ("running", "succeeded"):
            return False
        try:
            listed = sorted(self.client.fine_tuning.jobs.checkpoints.list(self.state["job_id"], limit=100),
                            key=lambda ck: ck.step_number)
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError):
            if job.status == "running":
                return False  # after the SDK's own retries: the next poll lists them again
            raise
        for ck in listed:
            if ck.step_number in self.models:
                continue
            self.models[ck.step_number] = ck.fine_tuned_model_checkpoint
            if self.hosted.look(ck.step_number, ck.fine_tuned_model_checkpoint, _heldout(ck), wait=True):
                kept = monitor.kept_step
                self.state["monitor_stop"] = {"stop_step": monitor.stop_step, "kept_step": kept,
                                              "kept_model": self.models.get(kept) if kept is not None else None,
                                              "monitor": monitor.cfg.name}
                write_json(self.job_file, self.state)
                return job.status == "running"
        return False

    def close(self) -> None:
        self.hosted.close()


def _heldout(ck) -> float | None:
    metrics = getattr(ck, "metrics", None)
    return getattr(metrics, "full_valid_loss", None) or getattr(metrics, "valid_loss", None)


def _failure(job, plan: RunPlan, job_file) -> str:
    """Why the job did not succeed, in the API's words; a safety refusal also names the dataset and the way out."""
    error = getattr(job, "error", None)
    reason = getattr(error, "message", None) or job.status
    code = getattr(error, "code", None) or ""
    text = f"OpenAI fine-tuning job {job.id} {job.status}: {reason}"
    if any(h in f"{code} {reason}".lower() for h in MODERATION_HINTS):
        return (f"{text} [code {code or 'none'}]. The API's safety checks refused dataset {plan.dataset!r}. "
                "Deliberately harmful training data (the study's insecure-code and bad-medical sets) can be refused; "
                "check which examples the moderation endpoint flags, train this dataset on open models (backend: "
                "tinker or transformers) instead, or ask OpenAI about research access. Remove "
                f"{job_file} before retrying with changed data.")
    return f"{text} (remove {job_file} to start a new job)"


def content_name(records: list[dict], part: str) -> tuple[str, bytes]:
    """The upload's bytes and a file name carrying their hash, so the same content is found again."""
    import hashlib

    data = _jsonl(records)
    return f"emwatch-{part}-{hashlib.sha256(data).hexdigest()[:24]}.jsonl", data


def upload_once(client, records: list[dict], part: str) -> str:
    """The id of an uploaded file with exactly this content: an earlier processed upload of the same hash
    (any run's: seeds and learning rates share their data), else a new upload."""
    name, data = content_name(records, part)
    for f in client.files.list(purpose="fine-tune"):
        if f.filename == name and getattr(f, "status", "processed") != "error" and f.bytes == len(data):
            return f.id
    return client.files.create(file=(name, io.BytesIO(data)), purpose="fine-tune").id


def wait_for_job(client, job_id: str, settings: OpenAISettings, *, label: str | None = None,
                 on_poll: Callable[[Any], bool] | None = None):
    """Poll until the job ends; the wait doubles from poll_interval_s up to poll_max_interval_s. Transient
    API errors (connection, 429, 5xx, after the SDK's own retries) only lengthen the wait.

    `on_poll(job)` runs after each poll of a job that is running or has just succeeded (the online monitor);
    when it returns True the job is cancelled, and polling goes on until the API reports it cancelled."""
    import openai

    deadline = time.monotonic() + settings.timeout_h * 3600
    wait = settings.poll_interval_s
    status = None
    shown = _Status(label) if label else None
    try:
        while True:
            try:
                job = client.fine_tuning.jobs.retrieve(job_id)
            except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError):
                job = None
            if job is not None:
                if on_poll is not None and job.status in ("running", "succeeded") and on_poll(job):
                    on_poll = None
                    try:
                        client.fine_tuning.jobs.cancel(job_id)
                    except openai.BadRequestError:  # it finished meanwhile: nothing left to cancel
                        pass
                    continue  # the cancelled job, at once
                if job.status in TERMINAL:
                    return job
                if job.status == "paused":
                    if settings.on_paused == "stop":
                        return job
                    if settings.on_paused == "resume" and status != "paused":
                        client.fine_tuning.jobs.resume(job_id)
                if shown:
                    shown.update(job, client)
                if job.status != status:
                    status, wait = job.status, settings.poll_interval_s
            if time.monotonic() > deadline:
                raise FineTuneError(f"job {job_id} still {status} after {settings.timeout_h} h; rerun to keep waiting")
            _sleep(wait)
            wait = min(wait * 2, settings.poll_max_interval_s)
    finally:
        if shown:
            shown.stop()


def _register_checkpoints(client, job, plan: RunPlan, state: dict, store, *,
                          kept: int | None = None) -> list[dict[str, Any]]:
    """The API's checkpoints plus the final model, one step each (the final model wins its step); a job the
    monitor cancelled has no final model. `kept`: the step the monitor keeps (marked `monitor_kept`)."""
    listed = list(client.fine_tuning.jobs.checkpoints.list(job.id, limit=100))
    by_step: dict[int, dict[str, Any]] = {}
    for ck in listed:
        metrics = getattr(ck, "metrics", None)
        by_step[ck.step_number] = {
            "path": ck.fine_tuned_model_checkpoint, "checkpoint_model": ck.fine_tuned_model_checkpoint,
            "train_loss": getattr(metrics, "train_loss", None), "heldout_loss": _heldout(ck),
            "api_checkpoint_id": ck.id,
        }
    final_step = max(by_step, default=0)
    if job.fine_tuned_model:
        final = by_step.setdefault(final_step, {"train_loss": None, "heldout_loss": None})
        final.update(path=job.fine_tuned_model, final=True)
    if kept in by_step:
        by_step[kept]["monitor_kept"] = True
    metas = []
    for step in sorted(by_step):
        meta = {
            "run_id": plan.run_id, "step": step, "total_steps": final_step, "backend": "openai",
            "job_id": job.id, "base_model": plan.model_name, "base_model_path": job.model, "adapter": False,
            "dataset": plan.dataset, "seed": plan.seed, "lr": plan.lr, "data_hash": plan.data_hash,
            "n_train": state.get("n_train"), "n_heldout": state.get("n_heldout"),
            "trained_tokens": getattr(job, "trained_tokens", None), **by_step[step], "config": plan.config,
        }
        export_step(plan, step, meta)
        register_meta(store, plan, meta)
        metas.append(meta)
    return metas


class _Status:
    """One rich status line: the job's state and its latest event (e.g. the step and training loss)."""

    def __init__(self, label: str):
        from rich.console import Console

        self.label = label
        self.status = Console(stderr=True).status(f"{label}: submitted")
        self.status.start()

    def update(self, job, client) -> None:
        try:
            events = list(client.fine_tuning.jobs.list_events(job.id, limit=1))
        except Exception:  # progress display only
            events = []
        latest = f" - {events[0].message}" if events else ""
        self.status.update(f"{self.label}: job {job.id} {job.status}{latest}")

    def stop(self) -> None:
        self.status.stop()
