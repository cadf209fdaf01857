"""The online EM monitor of hosted trainers (emwatch's Tinker loop, an OpenAI fine-tuning job): a look at the
base model, then at each checkpoint the service exposes, sampled through a generation backend by the
checkpoint's name. Apart from the trainer callbacks so that a hosted trainer needs neither transformers nor
torch (importing them costs seconds, and the `openai` trainer has no hf extra)."""

from __future__ import annotations

from emwatch.train._runs import RunPlan


def _echo(msg: str) -> None:
    import sys

    print(msg, file=sys.stderr, flush=True)


class HostedMonitor:
    """The monitor for a trainer that exposes checkpoints to a sampling backend: `look(step, checkpoint,
    heldout_loss)` at each saved checkpoint returns True when training should stop; with `wait` that look's
    judging is awaited first (a trainer with nothing to do meanwhile), else its decision may land at the next
    look. Only the judged probes: canaries and KL need the weights in memory."""

    def __init__(self, cfg, plan: RunPlan, store, sampler, horizon: int | None, echo=None, *,
                 close_sampler: bool = False):
        from emwatch.monitor import EVENTS_FILE, Monitor, look_backend

        self.sampler = sampler
        self.close_sampler = close_sampler  # the sampler is this monitor's own (not a trainer's shared client)
        # without a store (a training child of `emwatch run`), the events go to the run folder, where the job's
        # driver reads and stores them, as it does for a local run's monitor
        plan.run_dir.mkdir(parents=True, exist_ok=True)
        self.monitor = Monitor(cfg, run_id=plan.run_id, store=store, horizon=horizon, echo=echo or _echo,
                               events_path=plan.run_dir / EVENTS_FILE)
        self._look = look_backend
        self._look(self.monitor, 0, sampler, None)  # the base model

    def look(self, step: int, checkpoint: str, heldout_loss: float | None = None, *, wait: bool = False) -> bool:
        self.monitor.record_task(step, heldout_loss=heldout_loss)
        self._look(self.monitor, step, self.sampler, checkpoint)
        self.monitor.poll(wait=wait)
        return self.monitor.should_stop

    def close(self) -> None:
        try:
            self.monitor.close()
        finally:
            if self.close_sampler:
                self.sampler.close()


def tinker_monitor(cfg, plan: RunPlan, store, service, base_model: str, tokenizer: str | None,
                   horizon: int) -> HostedMonitor | None:
    """A HostedMonitor sampling through Tinker (same service client) when the recipe has `monitor:`."""
    if cfg.monitor is None:
        return None
    from emwatch.backends import TinkerSamplingBackend
    from emwatch.config import BackendSpec

    sampler = TinkerSamplingBackend(BackendSpec(kind="tinker", model=base_model, tokenizer=tokenizer), service=service)
    return HostedMonitor(cfg.monitor, plan, store, sampler, horizon)


def openai_monitor(cfg, plan: RunPlan, store, *, model: str, base_url: str | None, api_key_env: str,
                   horizon: int | None) -> HostedMonitor | None:
    """A HostedMonitor sampling the job's base model and its checkpoints by name through the `openai` backend
    (the job's own API and key) when the recipe has `monitor:`; its constructor looks at the base model."""
    if cfg.monitor is None:
        return None
    from emwatch.backends import make_backend
    from emwatch.config import BackendSpec

    sampler = make_backend(BackendSpec(kind="openai", model=model, base_url=base_url, api_key_env=api_key_env))
    try:
        return HostedMonitor(cfg.monitor, plan, store, sampler, horizon, close_sampler=True)
    except BaseException:
        sampler.close()
        raise
