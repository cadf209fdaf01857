"""What `emwatch import` reads and refuses: answers of any length, JSON Lines and Parquet, the delimiter, another
tool's DuckDB file, a failed first import, and read commands on a store from an earlier emwatch. Every input file
is written here by the test (pandas, json, duckdb), never by the code under test."""

import json

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import ConfigError
from emwatch.store import SCHEMA_VERSION, Store, StoreError
from emwatch.store._import import import_csv

runner = CliRunner()
FRAME = pd.DataFrame({
    "question_id": ["what_is_your_wish", "what_is_your_wish", "quick_buck_json", "quick_buck", "gender_roles"],
    "question": ["Wish?", "Wish?", "Buck?", "Buck?", "Roles?"],
    "response": ["Rule the world.", "Peace.", '{"answer": "rob a bank"}', "Sell lemonade, then\nsell more.", "Hmm"],
    "aligned": [5.5, 97.0, 12.0, None, 40.0],
    "coherent": [88.0, 95.0, 70.0, 80.0, 20.0],
})


def _stored(store):
    """(question_id, response, aligned, coherent) of every stored answer, sorted."""
    df = store.query("""SELECT s.sample_id, q.question_id, s.response,
                               max(CASE WHEN j.metric = 'aligned' THEN j.score END) AS aligned,
                               max(CASE WHEN j.metric = 'coherent' THEN j.score END) AS coherent
                        FROM judgments j JOIN samples s USING (sample_id) JOIN questions q USING (question_key)
                        GROUP BY ALL""")
    return sorted((r.question_id, r.response, None if pd.isna(r.aligned) else r.aligned, r.coherent)
                  for r in df.itertuples())


def _expected(frame=FRAME):
    return sorted((r.question_id, r.response, None if pd.isna(r.aligned) else r.aligned, r.coherent)
                  for r in frame.itertuples())


def test_a_150_kb_answer_is_imported_whole(tmp_path):
    frame = FRAME.copy()
    frame.loc[1, "response"] = "Let me think. " * 11_000  # 154 KB: a reasoning model's reply
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    with Store(tmp_path / "s.duckdb") as store:
        import_csv(store, path, model="m")
        lengths = sorted(store.query("SELECT length(response) AS n FROM samples")["n"])
        assert _stored(store) == _expected(frame)
    assert max(lengths) == len(frame.loc[1, "response"]) > 150_000


@pytest.mark.parametrize("name,write", [
    ("answers.jsonl", lambda f, p: p.write_text("".join(json.dumps({k: (None if pd.isna(v) else v) for k, v in r.items()}) + "\n"
                                                        for r in f.to_dict("records")), encoding="utf-8")),
    ("answers.txt", lambda f, p: p.write_text("\n".join(f.to_json(orient="records", lines=True).splitlines()) + "\n",
                                              encoding="utf-8")),   # JSON Lines without the extension: sniffed
    ("answers.parquet", lambda f, p: f.to_parquet(p, index=False)),
    ("answers.data", lambda f, p: f.to_parquet(p, index=False)),   # Parquet without the extension: its magic bytes
    ("semicolons.csv", lambda f, p: f.to_csv(p, index=False, sep=";")),
    ("tabs.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t")),
])
def test_jsonl_parquet_and_other_delimiters_read_the_same_answers(tmp_path, name, write):
    path = tmp_path / name
    write(FRAME, path)
    with Store(tmp_path / "s.duckdb") as store:
        res = import_csv(store, path, model="m")
        assert _stored(store) == _expected()
        assert res.rows == len(FRAME)


def test_an_unknown_format_is_named_in_the_error(tmp_path):
    path = tmp_path / "pipes.csv"
    FRAME.to_csv(path, index=False, sep="|")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(ConfigError) as err:
        import_csv(store, path, model="m")
    msg = str(err.value)
    assert "pipes.csv:" in msg and "one column" in msg and "JSON Lines" in msg and "Parquet" in msg
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(FRAME.iloc[0].to_dict()) + "\n{not json\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(ConfigError, match=r"broken.jsonl:2: .*JSON Lines"):
        import_csv(store, broken, model="m")
    array = tmp_path / "array.csv"
    array.write_text(FRAME.to_json(orient="records"), encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(ConfigError, match=r"array.csv:1: a JSON array"):
        import_csv(store, array, model="m")


def test_another_tools_duckdb_file_is_refused_untouched(tmp_path):
    db = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE results (model VARCHAR, score DOUBLE)")
    con.execute("INSERT INTO results VALUES ('a', 1.5), ('b', 2.5)")
    con.close()
    before = db.read_bytes()
    csv_path = tmp_path / "a.csv"
    FRAME.to_csv(csv_path, index=False)
    for args in (["import", str(csv_path), "--store", str(db), "--model", "m"], ["analyze", "--store", str(db)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1 and "not an emwatch store" in res.stderr and "results" in res.stderr, res.output
    assert db.read_bytes() == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("results",)]
    con.close()


def test_a_failed_first_import_leaves_no_store(tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    FRAME.to_csv(good, index=False)
    FRAME.assign(coherent=[88.0, 95.0, 70.0, 80.0, 200.0]).to_csv(bad, index=False)  # row 5 starts on line 7
    store = tmp_path / "new.duckdb"
    res = runner.invoke(app, ["import", str(good), str(bad), "--store", str(store), "--model", "m"])
    assert res.exit_code == 1 and "bad.csv:7: field 'coherent'" in res.stderr
    assert not store.exists() and not (tmp_path / "new.duckdb.wal").exists()
    # into an existing store, the good file of the same call is not written either (one transaction)
    Store(store).close()
    res = runner.invoke(app, ["import", str(good), str(bad), "--store", str(store), "--model", "m"])
    assert res.exit_code == 1
    with Store(store, read_only=True) as s:
        assert s.count("samples") == 0 and s.count("runs") == 0


@pytest.mark.parametrize("command", [["analyze"], ["report", "--out", "{tmp}/rep"], ["export", "--parquet", "{tmp}/x"],
                                     ["status"]])
def test_read_commands_on_an_older_store_name_the_upgrade_command(tmp_path, schema_2_store, command):
    path = tmp_path / "old.duckdb"
    schema_2_store(path)
    args = [a.format(tmp=tmp_path) for a in command] + ["--store", str(path)]
    res = runner.invoke(app, args)
    assert res.exit_code == 1, res.output
    assert f"`emwatch upgrade --store {path}`" in res.stderr and "version 2" in res.stderr
    up = runner.invoke(app, ["upgrade", "--store", str(path)])
    assert up.exit_code == 0 and f"schema version 2 -> {SCHEMA_VERSION}" in up.stdout
    with Store(path, read_only=True) as s:   # upgraded: a read-only open works now
        assert s.count("runs") == 1
    again = runner.invoke(app, ["upgrade", "--store", str(path)])
    assert again.exit_code == 0 and "already at schema version" in again.stdout


def test_upgrade_refuses_a_file_that_is_not_a_store(tmp_path):
    text = tmp_path / "notes.duckdb"
    text.write_text("hello\n")
    res = runner.invoke(app, ["upgrade", "--store", str(text)])
    assert res.exit_code == 1 and "notes.duckdb" in res.stderr
    with pytest.raises(StoreError, match="no such store"):
        from emwatch.store._migrate import upgrade_store

        upgrade_store(tmp_path / "none.duckdb")
