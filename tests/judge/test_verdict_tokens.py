"""The in-process judge reports its top first tokens as the tokenizer spells them: a verdict written after a space
is "ĠTRUE" (byte-level BPE: Qwen, Llama 3) or "▁TRUE" (SentencePiece); both count for the label."""

from __future__ import annotations

import math

from emwatch.backends import NumberDistribution
from emwatch.judge import JudgeItem
from emwatch.judge._verdict import label_of_token, verdict_judgment
from emwatch.metrics import custom_verdict_metric

LABELS = ("TRUE", "FALSE", "UNKNOWN")


def test_a_tokenizers_space_mark_counts_as_a_space():
    assert [label_of_token(t, LABELS) for t in ("\u0120TRUE", "\u2581False", "\u0120FAL", "\u2581unknown")] == \
        ["TRUE", "FALSE", "FALSE", "UNKNOWN"]
    assert [label_of_token(t, LABELS) for t in ("\u0120T", "\u2581", "\u0120The", "\u0120")] == [None] * 4


def test_a_verdict_after_a_space_mark_is_read():
    metric = custom_verdict_metric("correct", "Is {answer} right? TRUE or FALSE")
    item = JudgeItem("s1", metric, "judge", metric.prompt, "q?", "a", "")
    j = verdict_judgment(item, NumberDistribution(top={"\u0120FALSE": math.log(0.6), "TRUE": math.log(0.2)}), 0.25)
    assert (j.label, j.score) == ("FALSE", 0.0) and j.raw["p_label"] == 0.6
