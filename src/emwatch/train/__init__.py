"""Training: LoRA or full fine-tuning with checkpoints on a schedule, through a registered trainer: this
machine (`transformers`: transformers + PEFT + TRL, one or many GPUs through accelerate), Tinker, the
OpenAI fine-tuning API, or one added with `register_trainer`."""

from emwatch.backends import TinkerSamplingBackend  # noqa: F401  (kept here for compatibility; it lives in backends)
from emwatch.config import TRAINERS, register_trainer
from emwatch.train._api import Trainer, plans, train
from emwatch.train._facts import TrainerFacts, trainer_facts
from emwatch.train._masking import IGNORE, Encoded, TemplateError, assistant_spans, encode_chat
from emwatch.train._runs import CheckpointInfo, RunPlan, RunResult
from emwatch.train._schedule import checkpoint_steps, log_spaced_steps
from emwatch.train._targets import FAMILY_TARGETS, find_targets

__all__ = [
    "FAMILY_TARGETS", "IGNORE", "TRAINERS", "CheckpointInfo", "Encoded", "RunPlan", "RunResult", "TemplateError",
    "TinkerSamplingBackend", "Trainer", "TrainerFacts", "assistant_spans", "checkpoint_steps", "encode_chat", "find_targets",
    "log_spaced_steps", "plans", "register_trainer", "train", "trainer_facts",
]
