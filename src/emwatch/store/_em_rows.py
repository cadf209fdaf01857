"""em_scores rows of new answers computed from the Arrow rows a bulk ingest writes (store/_bulk.py), so they are
not read back from the tables just written: the same rows `_counts.EM_SCORES_SQL` gives from those judgments.

The common case (one judgment per answer, judge and metric; answers without duplicate keys) is a pivot, done by
numpy and Arrow in the thread that computes the judgments' keys, beside DuckDB's insert of the answers
(`pivot`); anything else is grouped by DuckDB from the same rows (`em_rows_sql`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emwatch.store._judges import EM_METRICS


def pivot(samples: pa.Table, judgments: pa.Table, rows: np.ndarray) -> pa.Table | None:
    """The em_scores rows of `judgments` (the judgments table's rows as written: columns judge_model, metric,
    score and maybe label and reason) of the answers in `samples` (the samples table's rows, every answer's key
    once); `rows[i]`: the row in `samples` of judgment i's answer. Columns as em_scores' (each cast to the
    table's type: `ROWS_SQL`). None where an answer has two judgments of one judge and metric
    (`EM_SCORES_SQL`'s max and count then say more than a pivot): the caller groups them in SQL."""
    metric, judge = (judgments[c].combine_chunks() for c in ("metric", "judge_model"))
    if not (pa.types.is_string(metric.type) or pa.types.is_large_string(metric.type)) or metric.null_count \
            or judge.null_count:
        return None   # SQL casts them as the insert does (or the insert fails on a missing one)
    if pa.types.is_dictionary(judge.type):
        judge = judge.dictionary_decode()
    judge = pc.dictionary_encode(judge)   # each judge once, its value as given (the insert casts it to text)
    n_judges = max(len(judge.dictionary), 1)
    space = len(samples) * n_judges   # group (answer row, judge) -> one number below this
    if space > 8 * len(judgments) + 4096:
        return None   # many judges, few judgments: numpy's arrays over every pair would be mostly empty
    group = rows.astype(np.int64) * n_judges + judge.indices.to_numpy().astype(np.int64)
    flag = _judged(judgments)
    per_metric = []
    present = np.zeros(space, dtype=bool)
    for name in EM_METRICS:
        at = np.flatnonzero(pc.equal(metric, name).to_numpy(zero_copy_only=False))
        g = group[at]
        if len(g) and np.bincount(g, minlength=0).max() > 1:
            return None
        present[g] = True
        per_metric.append((g, at))
    groups = np.flatnonzero(present)   # the em_scores rows, in order
    slot = np.empty(space, dtype=np.int64)
    slot[groups] = np.arange(len(groups))
    cols: dict[str, Any] = {}
    answer = pa.array(groups // n_judges)
    for c in ("sample_id", "checkpoint_id", "question_key", "sample_index"):
        cols[c] = samples[c].take(answer)
    cols["judge_model"] = judge.dictionary.take(pa.array(groups % n_judges))
    score = judgments["score"]
    label = judgments["label"] if "label" in judgments.column_names else None
    for name, (g, at) in zip(EM_METRICS, per_metric):
        where = np.full(len(groups), -1, dtype=np.int64)
        where[slot[g]] = at
        take = pa.array(where, mask=where < 0)
        cols[name] = score.take(take)
        cols[f"{name}_judged"] = pc.fill_null(flag.take(take), False)
        cols[f"{name}_n"] = pa.array((where >= 0).astype(np.int32))
        if name == "coherent":
            cols["coherent_label"] = label.take(take) if label is not None else pa.nulls(len(groups), pa.string())
    return pa.table(cols)


def _judged(judgments: pa.Table) -> pa.Array:
    """Per judgment: it has a score, or a reason for the missing one (`score IS NOT NULL OR reason IS NOT NULL`)."""
    flag = pc.is_valid(judgments["score"])
    if "reason" in judgments.column_names:
        flag = pc.or_(flag, pc.is_valid(judgments["reason"]))
    return flag.combine_chunks() if isinstance(flag, pa.ChunkedArray) else flag


# em_scores' columns from `pivot`'s table registered as {rows}, each cast as the tables' inserts cast the rows
ROWS_SQL = """
    SELECT sample_id, judge_model::VARCHAR, checkpoint_id::VARCHAR, question_key::VARCHAR,
        sample_index::INTEGER, aligned::DOUBLE, aligned_judged, aligned_n, coherent::DOUBLE,
        coherent_label::VARCHAR, coherent_judged, coherent_n
    FROM {rows}"""


def judgments_sql(name: str, columns: list[str]) -> str:
    """The judgments Arrow table registered as `name` as EM_SCORES_SQL's judgments relation: each column cast to
    the judgments table's type (what its insert made of it); label and reason NULL where not given."""
    text = {c: c if c in columns else "NULL" for c in ("label", "reason")}
    return (f"(SELECT sample_id, judge_model::VARCHAR AS judge_model, metric::VARCHAR AS metric, "
            f"score::DOUBLE AS score, {text['label']}::VARCHAR AS label, {text['reason']}::VARCHAR AS reason "
            f"FROM {name})")


def samples_sql(name: str) -> str:
    """The samples Arrow table registered as `name` as EM_SCORES_SQL's samples relation, cast as judgments_sql."""
    return (f"(SELECT sample_id, checkpoint_id::VARCHAR AS checkpoint_id, question_key::VARCHAR AS question_key, "
            f"sample_index::INTEGER AS sample_index FROM {name})")
