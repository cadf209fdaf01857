"""Training: LoRA or full fine-tuning with checkpoints on a schedule, locally (transformers + PEFT + TRL,
one or many GPUs through accelerate), on Tinker, or through the OpenAI fine-tuning API."""

from emwatch.train._api import train
from emwatch.train._masking import IGNORE, Encoded, TemplateError, assistant_spans, encode_chat
from emwatch.train._runs import CheckpointInfo, RunPlan, RunResult
from emwatch.train._schedule import checkpoint_steps, log_spaced_steps
from emwatch.train._targets import FAMILY_TARGETS, find_targets
from emwatch.train._tinker_backend import TinkerSamplingBackend

__all__ = [
    "FAMILY_TARGETS", "IGNORE", "CheckpointInfo", "Encoded", "RunPlan", "RunResult", "TemplateError",
    "TinkerSamplingBackend", "assistant_spans", "checkpoint_steps", "encode_chat", "find_targets",
    "log_spaced_steps", "train",
]
