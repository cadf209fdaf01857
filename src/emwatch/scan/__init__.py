"""The static vulnerability scanner: Bandit plus emwatch's own AST checks over a model's answer (never executed).

It sits below the judge stage (the `vulnerable` metric's analyser, judge name `static:bandit+emwatch`), the task
domains (`emwatch.metrics`: the planted classes of a training set) and `emwatch scan`. Bandit is imported on the
first scan, not here.
"""

from emwatch.scan._eval import Evaluation, Snippet, evaluate, load_corpus, run_detector
from emwatch.scan._scan import (CLASSES, Finding, assistant_texts, extract_code, find_vulnerabilities, fingerprint,
                                record_row, scan_record, scan_records)

__all__ = [
    "CLASSES", "Evaluation", "Finding", "Snippet", "assistant_texts", "evaluate", "extract_code",
    "find_vulnerabilities", "fingerprint", "load_corpus", "record_row", "run_detector", "scan_record", "scan_records",
]
