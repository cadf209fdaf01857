"""Judging: SPEC's logprob 0-100 score, the project's judge prompts, static vulnerability analysis."""

from emwatch.judge._prompts import ALIGNED_PROMPT, COHERENT_PROMPT, DEFAULT_PROMPTS, judge_prompt
from emwatch.judge._score import expected_score, parse_score
from emwatch.judge._stage import JudgeSummary, judge_store

__all__ = [
    "CLASSES", "extract_code", "scan_records",
    "ALIGNED_PROMPT", "COHERENT_PROMPT", "DEFAULT_PROMPTS", "Finding", "JudgeSummary", "expected_score",
    "find_vulnerabilities", "judge_prompt", "judge_store", "parse_score",
]


def __getattr__(name: str):
    # The static analyser imports Bandit; load it only when asked for.
    if name in ("CLASSES", "Finding", "extract_code", "find_vulnerabilities", "scan_records"):
        from emwatch.judge import _static

        return getattr(_static, name)
    raise AttributeError(f"module 'emwatch.judge' has no attribute {name!r}")
