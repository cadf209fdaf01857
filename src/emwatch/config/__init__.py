"""Validated config models, one per stage, and the YAML loader that names file, line and field."""

from emwatch.config._adaptive import AdaptiveConfig
from emwatch.config._dtype import DtypeName, torch_dtype
from emwatch.config._machine import dtype_reason, resolve_device, resolve_dtype
from emwatch.config._label import (ALIGNED_BELOW, COHERENT_ABOVE, NOT_ASKED, Coherence, em_label, em_label_sql,
                                   needs_coherence)
from emwatch.config._load import ConfigError, Strict, load_config, read_yaml, validate
from emwatch.config._plugins import BACKENDS, TRAINERS, register_backend, register_trainer
from emwatch.config._secrets import api_key, is_loopback
from emwatch.config._train import OpenAISettings, TinkerSettings
from emwatch.config._models import (
    AnalyzeConfig,
    BackendSpec,
    CheckpointSchedule,
    JudgeConfig,
    LoraSettings,
    MonitorConfig,
    SampleConfig,
    TrainConfig,
)

__all__ = [
    "AdaptiveConfig",
    "ALIGNED_BELOW", "COHERENT_ABOVE", "NOT_ASKED", "Coherence", "em_label", "em_label_sql", "needs_coherence",
    "BACKENDS", "TRAINERS", "AnalyzeConfig", "BackendSpec", "CheckpointSchedule", "ConfigError",
    "DtypeName", "JudgeConfig", "LoraSettings", "MonitorConfig", "OpenAISettings", "SampleConfig", "Strict",
    "TinkerSettings", "TrainConfig", "api_key", "dtype_reason", "is_loopback", "load_config", "read_yaml",
    "register_backend", "register_trainer", "resolve_device", "resolve_dtype", "torch_dtype", "validate",
]
