"""Judging: SPEC's logprob 0-100 score, categorical verdicts and static vulnerability analysis (by `emwatch.scan`), driven by the
registered metrics (`emwatch.metrics`); the stage plans, executes and commits judgments."""

from emwatch.judge._score import expected_score, parse_score
from emwatch.judge._stage import (JudgeItem, JudgeStopped, JudgeSummary, categorical_judgment, execute, judge, judge_store,
                                  metrics_of, order_items, plan, plan_judgments, score_judgment, static_judgment, work)
from emwatch.metrics import ALIGNED_PROMPT, COHERENT_PROMPT, DEFAULT_PROMPTS, STATIC_JUDGE, judge_prompt

__all__ = [
    "CLASSES", "extract_code", "scan_records",
    "ALIGNED_PROMPT", "COHERENT_PROMPT", "DEFAULT_PROMPTS", "Finding", "JudgeItem", "JudgeStopped", "JudgeSummary", "STATIC_JUDGE",
    "categorical_judgment", "execute", "expected_score", "find_vulnerabilities", "judge", "judge_prompt",
    "judge_store", "metrics_of", "order_items", "parse_score", "plan", "plan_judgments", "score_judgment",
    "static_judgment", "work",
]


def __getattr__(name: str):
    # The scanner's names, kept here for older callers; the scanner itself is `emwatch.scan`.
    if name in ("CLASSES", "Finding", "extract_code", "find_vulnerabilities", "scan_records"):
        import emwatch.scan

        return getattr(emwatch.scan, name)
    raise AttributeError(f"module 'emwatch.judge' has no attribute {name!r}")
