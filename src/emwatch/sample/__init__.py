"""The sampling stage: benchmark and held-out task answers at every checkpoint; plans, executes and commits,
resumable."""

from emwatch.sample._engine import EngineChoice, choose_engines
from emwatch.sample._stage import (SampleItem, SampleSummary, build_plan_prompts, execute, in_process_target,
                                   plan_samples, sample, sample_store, select_checkpoints, task_prompts)

__all__ = ["EngineChoice", "SampleItem", "choose_engines", "SampleSummary", "build_plan_prompts", "execute", "in_process_target", "plan_samples",
           "sample", "sample_store", "select_checkpoints", "task_prompts"]
