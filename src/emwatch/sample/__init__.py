"""The sampling stage: benchmark and held-out task answers at every checkpoint, resumable."""

from emwatch.sample._stage import SampleSummary, sample_store, select_checkpoints, task_prompts

__all__ = ["SampleSummary", "sample_store", "select_checkpoints", "task_prompts"]
