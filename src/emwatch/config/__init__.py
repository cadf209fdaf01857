"""Validated config models, one per stage, and the YAML loader that names file, line and field."""

from emwatch.config._load import ConfigError, Strict, load_config, read_yaml, validate
from emwatch.config._train import OpenAISettings, TinkerSettings
from emwatch.config._models import (
    AnalyzeConfig,
    BackendSpec,
    CheckpointSchedule,
    DemoConfig,
    JudgeConfig,
    LoraSettings,
    SampleConfig,
    TrainConfig,
)

__all__ = [
    "AnalyzeConfig", "BackendSpec", "CheckpointSchedule", "ConfigError", "DemoConfig", "JudgeConfig",
    "LoraSettings", "OpenAISettings", "SampleConfig", "TinkerSettings", "Strict", "TrainConfig", "load_config", "read_yaml", "validate",
]
