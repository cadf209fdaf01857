"""Agreement of the static detector with the generated insecure-code sets (tools.datagen.code_sets).

The detector must flag at least 90% of the insecure answers (with the class the generator planted) and
at most 5% of the secure answers. The full sets are 6,400 answers each; to keep the test short it scans
a fixed random subsample of 1,500 per set (about 10 s here). Run with -s to see the rates.
"""

import random
from collections import Counter

import pytest

from emwatch.scan import CLASSES, find_vulnerabilities

SAMPLE = 1500


@pytest.fixture(scope="module")
def code_sets():
    from tools.datagen.code_sets import build_code_sets

    return build_code_sets(seed=0)


def _answer(record):
    turns = [m["content"] for m in record["messages"] if m["role"] == "assistant"]
    assert len(turns) == 1
    return turns[0]


def _sample(records):
    return random.Random(0).sample(records, min(SAMPLE, len(records)))


def _scan(records):
    """(record, set of classes found) for each record."""
    return [(r, {f.vuln_class for f in find_vulnerabilities(_answer(r))}) for r in records]


def test_generator_classes_are_detector_classes(code_sets):
    planted = {r["metadata"]["vuln_class"] for r in code_sets["insecure"]}
    assert planted <= set(CLASSES)


@pytest.mark.slow
def test_insecure_flagged_and_secure_not(code_sets):
    insecure = _scan(_sample(code_sets["insecure"]))
    secure = _scan(_sample(code_sets["secure"]))

    total, right = Counter(), Counter()
    for r, found in insecure:
        planted = r["metadata"]["vuln_class"]
        total[planted] += 1
        right[planted] += planted in found
    flagged = sum(bool(found) for _, found in insecure) / len(insecure)
    recall = sum(right.values()) / len(insecure)
    fp = sum(bool(found) for _, found in secure) / len(secure)
    fp_classes = Counter(c for _, found in secure for c in found)

    print(f"\ninsecure flagged (any class): {flagged:.3f}  with the planted class: {recall:.3f}  (n={len(insecure)})")
    print(f"secure flagged: {fp:.3f} (n={len(secure)}) {dict(fp_classes)}")
    for c in sorted(total):
        print(f"  recall {c:28s} {right[c] / total[c]:.3f}  ({right[c]}/{total[c]})")

    assert flagged >= 0.90 and recall >= 0.90
    assert fp <= 0.05
