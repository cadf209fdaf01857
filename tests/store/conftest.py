"""Fixtures for the store tests: a store as an older emwatch wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def schema_2_store(tmp_path):
    """Make `path` a version-2 store (today's store without samples.reasoning, marked 2: what emwatch wrote before
    version 3) holding base model "m" and one answer per `responses` (questions q1, q2, ...); returns the base
    checkpoint's id and the answers' sample ids as the version-3 store had them."""
    import duckdb

    from emwatch.store import Sample, Store, register_base_model

    def make(path: Path, responses: tuple[str, ...] = ()) -> tuple[str, list[str]]:
        with Store(path) as store:
            ck = register_base_model(store, "m")
            store.add([Sample(checkpoint_id=ck, question_key=f"q{i}", sample_index=0, sampling={"seed": 0},
                              response=text) for i, text in enumerate(responses, 1)])
            ids = store.df("SELECT sample_id FROM samples").sample_id.tolist()
        con = duckdb.connect(str(path))
        con.execute("DROP VIEW IF EXISTS answers")
        con.execute("DROP VIEW IF EXISTS scores")
        con.execute("ALTER TABLE samples DROP COLUMN reasoning")
        con.execute("DROP TABLE em_scores")  # version 4's
        con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        con.close()
        return ck, ids

    return make
