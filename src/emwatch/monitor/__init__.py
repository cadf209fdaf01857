"""The online EM monitor: looks at a model while it trains (judged probes, forced-choice canaries, KL to the
base model, task convergence), decides with an anytime-valid test whether EM has begun, and logs, flags or
stops the run. `replay` runs the same decision offline over a store's judged checkpoints."""

from emwatch.monitor._monitor import (EVENTS_FILE, Counts, Monitor, look_backend, look_live, monitor_power,
                                      read_events)
from emwatch.monitor._sequential import Decision, OnsetTest, Power, first_stop, null_rate, power

__all__ = ["EVENTS_FILE", "Counts", "Decision", "Monitor", "look_backend", "look_live", "monitor_power", "read_events",
           "REPLAY_COLUMNS", "replay", "OnsetTest", "Power", "first_stop", "null_rate", "power"]


def __getattr__(name: str):
    # the replay reads judged answers through emwatch.analysis (scipy): imported when first used, so that the
    # training loop and `emwatch run` do not pay for it
    if name in ("REPLAY_COLUMNS", "replay"):
        from emwatch.monitor import _replay

        return getattr(_replay, name)
    raise AttributeError(f"module 'emwatch.monitor' has no attribute {name!r}")
