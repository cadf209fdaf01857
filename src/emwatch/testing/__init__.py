"""Helpers for tests and offline trials: tiny random models of each family with a local tokenizer."""

from emwatch.testing._tiny import (CHATML_TEMPLATE, FAMILIES, FAMILY_EOS, FAMILY_TEMPLATES, build_family_model,
                                   build_tiny_model, build_tiny_tokenizer)

__all__ = ["CHATML_TEMPLATE", "FAMILIES", "FAMILY_EOS", "FAMILY_TEMPLATES", "build_family_model", "build_tiny_model", "build_tiny_tokenizer"]
