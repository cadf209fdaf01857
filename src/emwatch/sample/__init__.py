"""The sampling stage: benchmark and held-out task answers at every checkpoint; plans, executes and commits,
resumable."""

from emwatch.sample._engine import EngineChoice, choose_engines
from emwatch.sample._stage import (ADAPTIVE_NEEDS_JUDGE, SampleItem, SampleSummary, adaptive_on, build_plan_prompts,
                                   engine_groups, execute, in_process_target, plan, plan_samples, sample, sample_store,
                                   select_checkpoints, task_prompts, work)

__all__ = ["ADAPTIVE_NEEDS_JUDGE", "adaptive_on", "engine_groups", "plan", "work", "EngineChoice", "SampleItem", "choose_engines", "SampleSummary", "build_plan_prompts", "execute", "in_process_target", "plan_samples",
           "sample", "sample_store", "select_checkpoints", "task_prompts"]
