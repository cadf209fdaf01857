"""Helpers for tests and offline trials: tiny random models of each family with a local tokenizer, and simulated
studies with planted ground truth written into a store (to try the analysis and the report without a GPU)."""

from emwatch.testing._simulate import SimModel, SimRun, SimStudy, simulate_study
from emwatch.testing._tiny import (CHATML_TEMPLATE, FAMILIES, FAMILY_EOS, FAMILY_TEMPLATES, build_family_model,
                                   build_tiny_model, build_tiny_tokenizer, random_lora)

__all__ = ["CHATML_TEMPLATE", "FAMILIES", "FAMILY_EOS", "FAMILY_TEMPLATES", "SimModel", "SimRun", "SimStudy",
           "build_family_model", "build_tiny_model", "build_tiny_tokenizer", "random_lora",
           "simulate_study"]
