import duckdb
import pandas as pd
import pytest

from emwatch.store import SCHEMA_VERSION, TABLES, Store, StoreError, content_key, register_base_model, register_checkpoint, register_run


def test_insert_is_idempotent_by_key(store):
    rid = register_run(store, model="m", dataset="insecure", seed=1, lr=1e-5, config={"x": 1})
    assert register_run(store, model="m", dataset="insecure", seed=1, lr=1e-5, config={"x": 1}) == rid
    assert register_run(store, model="m", dataset="insecure", seed=2, lr=1e-5) != rid
    for _ in range(2):
        register_checkpoint(store, rid, 10, train_loss=1.5)
    assert store.count("runs") == 2
    assert store.count("checkpoints") == 1
    row = store.df("SELECT packages, config FROM runs WHERE run_id = ?", [rid]).iloc[0]
    assert "duckdb" in row["packages"] and '"x": 1' in row["config"]


def test_transaction_rolls_back_everything(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            register_base_model(store, "m", "/p")
            raise RuntimeError("crash mid-stage")
    assert store.count("runs") == 0 and store.count("checkpoints") == 0


def test_content_key_changes_with_any_part():
    k = content_key("sample", "ck", "q", 0, {"temperature": 1.0})
    assert k == content_key("sample", "ck", "q", 0, {"temperature": 1.0})
    assert k != content_key("sample", "ck", "q", 1, {"temperature": 1.0})
    assert k != content_key("sample", "ck", "q", 0, {"temperature": 0.7})


def test_export_parquet_writes_every_table(store, tmp_path):
    register_base_model(store, "m", "/p")
    paths = store.export_parquet(tmp_path / "pq")
    assert sorted(p.stem for p in paths) == sorted(TABLES)
    assert len(pd.read_parquet(tmp_path / "pq" / "checkpoints.parquet")) == 1


def test_refuses_a_store_of_another_schema_version(tmp_path):
    path = tmp_path / "old.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="schema version"):
        Store(path)
