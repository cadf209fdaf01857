"""Trainer callbacks: checkpoints on the schedule (exported, described and registered as they are saved)
and a rich progress display."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from emwatch._progress import StepProgress
from emwatch.monitor import EVENTS_FILE
from emwatch.train._hosted import HostedMonitor, _echo, tinker_monitor  # noqa: F401  (hosted trainers' monitor)
from emwatch.train._runs import RunPlan, export_step, register_meta, step_dir_name
from emwatch.train._schedule import checkpoint_steps

# Files of a Trainer checkpoint that make up the model itself (the rest is optimiser and trainer state).
_MODEL_FILES = ("adapter_model.safetensors", "adapter_model.bin", "adapter_config.json", "config.json",
                "generation_config.json", "model.safetensors", "model.safetensors.index.json",
                "pytorch_model.bin", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "chat_template.jinja", "vocab.json", "merges.txt", "tokenizer.model")


class CheckpointCallback(TrainerCallback):
    """Saves at the scheduled steps (with held-out loss), exports `step_NNNNNN/` (weights + meta.json) and
    registers the checkpoint in the store as soon as it is on disk, so a sampler can start on it.

    Put it last among the callbacks: a monitor that stops training early (control.should_training_stop)
    gets its stopping step saved as the final checkpoint.
    """

    def __init__(self, plan: RunPlan, schedule, *, store=None, is_main: bool = True, has_heldout: bool = True,
                 base_model_path: str | None = None, adapter: bool = True, extra_meta: dict | None = None):
        self.plan = plan
        self.schedule = schedule
        self.store = store
        self.is_main = is_main
        self.has_heldout = has_heldout
        self.base_model_path = base_model_path
        self.adapter = adapter
        self.extra_meta = extra_meta or {}
        self.steps: set[int] = set()
        self.total_steps: int | None = None
        self.losses: dict[int, float] = {}
        self.heldout: dict[int, float] = {}
        self.saved: list[dict[str, Any]] = []

    # -- deciding ------------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        self.total_steps = state.max_steps
        self.steps = set(checkpoint_steps(self.schedule, state.max_steps))

    def _want(self, state, control) -> bool:
        stop_early = control.should_training_stop and self.schedule.final
        return state.global_step in self.steps or stop_early

    def on_step_end(self, args, state, control, **kwargs):
        if self._want(state, control):
            control.should_log = True
            control.should_evaluate = self.has_heldout
            control.should_save = True
        return control

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics and "eval_loss" in metrics:
            self.heldout[state.global_step] = float(metrics["eval_loss"])
        if self._want(state, control):  # a monitor may decide to stop while evaluating
            control.should_save = True
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.losses[state.global_step] = float(logs["loss"])

    # -- exporting -----------------------------------------------------------------------------------
    def on_save(self, args, state, control, **kwargs):
        if not self.is_main:
            return control
        step = state.global_step
        src = Path(args.output_dir) / f"checkpoint-{step}"
        previous = max((s["step"] for s in self.saved), default=0)
        window = [v for k, v in self.losses.items() if previous < k <= step]
        dst = self.plan.run_dir / step_dir_name(step)
        meta = {
            "run_id": self.plan.run_id, "step": step, "total_steps": self.total_steps, "path": str(dst.resolve()),
            "epoch": state.epoch, "train_loss": self.losses.get(step),
            "train_loss_mean": sum(window) / len(window) if window else None,
            "heldout_loss": self.heldout.get(step), "data_hash": self.plan.data_hash,
            "base_model": self.plan.model_name, "base_model_path": self.base_model_path,
            "adapter": self.adapter, "dataset": self.plan.dataset, "seed": self.plan.seed, "lr": self.plan.lr,
            "backend": "local", "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **self.extra_meta,
            "config": self.plan.config,
        }
        export_step(self.plan, step, meta, {n: src / n for n in _MODEL_FILES if (src / n).is_file()})
        register_meta(self.store, self.plan, meta)
        self.saved.append(meta)
        return control


class RichProgressCallback(TrainerCallback):
    """Steps done of total, the latest loss, held-out loss at checkpoints, elapsed time and ETA."""

    def __init__(self, label: str):
        self.label = label
        self.bar: StepProgress | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.bar = StepProgress(self.label, state.max_steps, state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.bar is not None and logs:
            self.bar.update(loss=logs.get("loss"), heldout=logs.get("eval_loss"))

    def on_train_end(self, args=None, state=None, control=None, **kwargs):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class MonitorCallback(TrainerCallback):
    """The online EM monitor inside the transformers Trainer: looks at the live model at step 0 (the base)
    and then every `monitor.every` steps (default: at each scheduled checkpoint); stops training when the
    monitor decides (`control.should_training_stop`; the checkpoint callback then saves that step).

    `judge` is an optional judge Backend object (default: built from `monitor.judge`)."""

    def __init__(self, cfg, plan: RunPlan, schedule, *, store=None, judge=None, echo=None,
                 base_model_path: str | None = None, dtype: str | None = None, is_main: bool = True):
        self.cfg = cfg
        self.plan = plan
        self.schedule = schedule
        self.store = store
        self.judge = judge
        self.echo = echo
        self.base_model_path = base_model_path
        self.dtype = dtype
        self.is_main = is_main
        self.monitor = None
        self.steps: set[int] = set()
        self.seconds = 0.0  # time the training loop spent in the monitor (looks and waits)

    def on_train_begin(self, args, state, control, model=None, processing_class=None, **kwargs):
        from emwatch.monitor import Monitor

        t0 = self._started = time.perf_counter()  # building the monitor (a judge it loads) counts as its time

        every = self.cfg.every
        self.steps = set(range(every, state.max_steps + 1, every)) if every else \
            set(checkpoint_steps(self.schedule, state.max_steps))
        cfg, judge = self.cfg, self.judge
        if judge is None:
            from emwatch.monitor._live import live_judge
            from emwatch.monitor._monitor import judge_spec

            judge = live_judge(judge_spec(cfg), model, self.base_model_path, self.dtype)
            if judge is not None:  # the trained model's own base weights judge, in the loop (see live_judge)
                cfg = cfg.model_copy(update={"judge_async": False})
                (self.echo or _echo)("monitor: judging with the live model's base weights (adapters off), "
                                     "no second copy loaded")
        self.monitor = Monitor(cfg, run_id=self.plan.run_id, store=self.store, judge=judge,
                               horizon=len(self.steps) or None, echo=self.echo,
                               events_path=self.plan.run_dir / EVENTS_FILE if self.is_main else None)
        self._tokenizer = processing_class or kwargs.get("tokenizer")
        from emwatch.monitor._live import base_of

        if cfg.persona:
            self._attach_persona(model, state.global_step)
        off = base_of(model)
        if state.global_step == 0 or off is not None:  # the base model: before training, or adapters off
            with off if off is not None else _null():
                self._look(0, model, judge_free=False)
        self.seconds += time.perf_counter() - t0

    def _attach_persona(self, model, global_step: int) -> None:
        """The `persona` signal's probe: the configured direction folder, else the cache's for the base model,
        built now on the live model's base weights (adapters off) when the cache has none. Skipped, with the
        reason stored and said, when neither is possible."""
        from emwatch.monitor._direction import Direction, PersonaProbe, ensure_direction, model_hash
        from emwatch.monitor._live import base_of
        from emwatch.monitor._monitor import skip_persona

        m, off = self.monitor, base_of(model)
        if self.base_model_path is None:
            return skip_persona(m, "no base model folder to identify the direction by")
        if m.cfg.persona_direction:
            d = Direction.load(m.cfg.persona_direction)
            if d.model_hash != model_hash(self.base_model_path):
                from emwatch.errors import ConfigError

                raise ConfigError(f"monitor.persona_direction {m.cfg.persona_direction}: a direction of {d.model}, "
                                  f"not of the base model {self.base_model_path}")
        elif off is None and global_step > 0:  # full fine-tuning resumed: the base weights are gone
            from emwatch.monitor._direction import DirectionSettings, direction_dir

            folder = direction_dir(model_hash(self.base_model_path), DirectionSettings())
            if not (folder / "direction.json").is_file():
                return skip_persona(m, "a resumed full fine-tune has no base weights in memory and the cache has no "
                                       "direction: build it with `emwatch monitor direction`")
            d = Direction.load(folder)
        else:
            with off if off is not None else _null():
                d, built = ensure_direction(self.base_model_path, model=model, tokenizer=self._tokenizer,
                                            log=self.echo or _echo)
            if built:
                (self.echo or _echo)(f"monitor: persona direction built and saved at {d.path}")
        m.persona = PersonaProbe(d)
        m.signal_detail["persona_fixed"] = m.persona.detail()

    def _look(self, step: int, model, judge_free: bool = True) -> None:
        from emwatch.monitor import look_live

        look_live(self.monitor, step, model, self._tokenizer, judge_free=judge_free)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self.monitor is None:
            return control
        t0 = time.perf_counter()
        if state.global_step in self.steps:
            self._look(state.global_step, model)
        self.monitor.poll()
        if self.monitor.should_stop:
            control.should_training_stop = True
        self.seconds += time.perf_counter() - t0
        return control

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if self.monitor is not None and metrics and "eval_loss" in metrics:
            self.monitor.record_task(state.global_step, heldout_loss=float(metrics["eval_loss"]))
        return control

    def on_train_end(self, args, state, control, **kwargs):
        if self.monitor is not None:
            t0 = time.perf_counter()
            self.monitor.close()
            self.seconds += time.perf_counter() - t0
            total = time.perf_counter() - self._started
            m = self.monitor
            judged = len(m.looks) + (m.base is not None)
            looks = len(set(m.looks) | set(m.signals) | ({0} if m.base is not None else set()))
            (self.echo or _echo)(
                f"monitor {m.cfg.name}: {looks} looks ({judged} judged, {m.judge_calls} judge calls); "
                f"{self.seconds:.0f} s of {total:.0f} s of training in the monitor (training alone "
                f"{total - self.seconds:.0f} s: x{total / max(total - self.seconds, 1e-9):.2f} with the monitor)")
        return control


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def monitor_callbacks(cfg, plan: RunPlan, store=None, base_model_path: str | None = None,
                      is_main: bool = True) -> list:
    """[MonitorCallback] when the recipe has a `monitor:` section, else []. Without a store the main process's
    monitor writes its events to the run folder's EVENTS_FILE (the job's driver stores them)."""
    if cfg.monitor is None:
        return []
    from emwatch.config._machine import resolve_dtype

    # the dtype the model trains in (`auto` resolved here, as the trainer resolves it): a judge of the same base
    # weights in that dtype shares them
    return [MonitorCallback(cfg.monitor, plan, cfg.checkpoints, store=store, echo=_echo,
                            base_model_path=base_model_path, dtype=resolve_dtype(cfg.dtype), is_main=is_main)]
