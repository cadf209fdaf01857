"""Answers and judgments written in bulk (`Store.ingest_answers`): keys computed a column at a time
(store._keys.sample_keys, judgment_keys: equal to the typed records' keys), rows sent to DuckDB as Arrow tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from emwatch.errors import StoreError
from emwatch.store._keys import judgment_keys, sample_keys
from emwatch.store._arrow import arrow_columns
from emwatch.store._store import TABLES_KEYS


def ingest_answers(store: Any, samples: pd.DataFrame, judgments: pd.DataFrame | None = None) -> dict[str, int]:
    """See `Store.ingest_answers`."""
    if store.read_only:
        raise StoreError(f"{store.path}: opened read-only")
    s = samples.reset_index(drop=True)
    sids = sample_keys(s["checkpoint_id"], s["question_key"], s["sample_index"], s["sampling"])
    tables = {"samples": s.assign(sample_id=sids)}
    if judgments is not None and len(judgments):
        j = judgments.reset_index(drop=True)
        js = [sids[i] for i in j["sample"]]
        if "prompt_hash" not in j:
            j = j.assign(prompt_hash=None)
        j = j.drop(columns=["sample"]).assign(sample_id=js)
        missing = j["score"].isna() & j.get("reason", pd.Series(None, index=j.index)).isna() \
            & j.get("label", pd.Series(None, index=j.index)).isna()
        if missing.any():
            first = j[missing].iloc[0]
            raise ValueError(f"judgment {first['metric']!r} of sample {first['sample_id']}: a missing score "
                             "needs a reason")
        tables["judgments"] = j.assign(judgment_id=judgment_keys(js, j["judge_model"], j["metric"], j["prompt_hash"]))
    added = {}
    with store.transaction():
        for table, frame in tables.items():
            key = TABLES_KEYS[table]
            frame = frame.drop_duplicates(key)  # the first of equal keys wins
            added[table] = store._insert(table, arrow_columns(frame))
        if "judgments" in tables and set(tables["judgments"]["metric"]) - set(store._view_metrics or ()):
            store._refresh_views()
    return added
