"""The benchmark: EM-240 and other question banks, answer-format variants, adversarial wrappers, and the
concrete prompts (exact messages) the sample stage sends to models.

>>> prompts = build_prompts("em240", variants=("plain", "json"), wrappers=("prefill",), per_category=2)
>>> prompts[0].messages, prompts[0].samples, prompts[0].key
"""

from emwatch.bench._library import export_bank, import_bank
from emwatch.bench._load import BankInfo, banks_dir, data_dir, list_banks, load_bank, parse_bank
from emwatch.bench._prompts import Prompt, build_prompts
from emwatch.bench._question import CATEGORIES, Bank, Question
from emwatch.bench._variants import VARIANTS, render
from emwatch.bench._wrappers import WRAPPERS, Wrapper

__all__ = [
    "CATEGORIES", "VARIANTS", "WRAPPERS", "Bank", "BankInfo", "Prompt", "Question", "Wrapper",
    "banks_dir", "build_prompts", "data_dir", "export_bank", "import_bank", "list_banks", "load_bank",
    "parse_bank", "render",
]
