"""The online EM monitor: looks at a model while it trains (judged probes, forced-choice canaries, KL to the
base model, task convergence), decides with an anytime-valid test whether EM has begun, and logs, flags or
stops the run. `replay` runs the same decision offline over a store's judged checkpoints."""

from emwatch.monitor._monitor import Counts, Monitor, look_backend, look_live
from emwatch.monitor._replay import REPLAY_COLUMNS, replay
from emwatch.monitor._sequential import Decision, OnsetTest, first_stop, null_rate

__all__ = ["Counts", "Decision", "Monitor", "look_backend", "look_live", "REPLAY_COLUMNS", "replay", "OnsetTest", "first_stop", "null_rate"]
