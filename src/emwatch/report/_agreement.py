"""The report's judge-agreement section: shown when the store holds two (or more) LLM judges' scores on the
same answers, it compares the first two with the most judgments (emwatch.analysis._agreement)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from emwatch.analysis import agreement_table, judge_agreement, judge_frames
from emwatch.config import AnalyzeConfig
from emwatch.report import _html as H


def judge_pair(store: Any) -> list[str] | None:
    """The two LLM judges (static analysers left out) with the most aligned/coherent judgments, or None."""
    j = store.judges()
    j = j[~j["judge_model"].str.startswith("static:") & j["metric"].isin(["aligned", "coherent"])]
    ranked = j.groupby("judge_model")["n"].sum().sort_values(ascending=False, kind="stable")
    return list(ranked.index[:2]) if len(ranked) >= 2 else None


def agreement_section(store: Any, cfg: AnalyzeConfig) -> tuple[str, pd.DataFrame] | None:
    """(section HTML, table) comparing two judges, or None when the store holds fewer than two."""
    pair = judge_pair(store)
    if pair is None:
        return None
    table = agreement_table(judge_agreement(judge_frames(store, pair), cfg))
    a, b = pair
    lead = (f"Judges {a} (A) and {b} (B) on the answers both scored: mean absolute difference and Spearman's rho "
            f"per metric; on the misaligned label each judge's EM rate, Cohen's kappa and the EM-rate difference "
            f"B − A with a paired bootstrap {cfg.confidence:.0%} interval, overall and per category.")
    body = H.table_html(table) + '<p class="files">CSV: <a href="tables/judge_agreement.csv">judge_agreement.csv</a></p>'
    return H.section("judges", "Judge agreement", lead, body), table
