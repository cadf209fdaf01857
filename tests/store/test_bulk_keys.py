"""Keys computed a column at a time (store._keys.bulk_keys, sample_keys, judgment_keys) equal, key for key, the
keys the typed records give; `Store.ingest_answers` writes the same rows as `Store.add` of the records."""

from __future__ import annotations

import pandas as pd

from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store
from emwatch.store._keys import sample_keys, judgment_keys
from emwatch.testing import SimModel, SimRun, SimStudy
from emwatch.testing._simulate import _Writer

ODD = ["plain", "naïve — ünïcode 東京", 'quote " and \\ backslash', "tab\tnew\nline\x1f\x00", ""]


def _records():
    import numpy as np

    w = _Writer(np.random.default_rng(0))
    study = SimStudy(models=[SimModel("m")], runs=[SimRun("m", 0, em_final=0.3, onset_step=20, total_steps=40)],
                     questions_per_category=1, samples=2, task_prompts=3, truth_prompts=2)
    run = w.run(kind="finetune", model="m", dataset="insecure", seed=0, lr=1e-4, group="g")
    ck = w.checkpoint(run, 10, total_steps=40, loss=1.0)
    w.benchmark(ck, study, 0.3, variant="plain")
    w.task(ck, study, 0.5, "insecure")
    w.truth(ck, study, 0.2)
    recs = list(w.records.values())
    # odd texts and sampling values beside the simulator's
    q = Question(bank="b", question_id="odd", category=None, variant="plain", wrapper=None, paraphrase_index=0,
                 messages=[{"role": "user", "content": "x"}], judge_metrics={"aligned": None})
    recs.append(q)
    for i, text in enumerate(ODD):
        s = Sample(checkpoint_id=ck, question_key=q.key, sample_index=i,
                   sampling={"temperature": [1, 1.0, 0.0, -0.0, 0.7][i], "seed": i, "note": text, "t": None},
                   response=text or None)
        recs += [s, Judgment(sample_id=s.key, judge_model=text or "j", metric="aligned",
                             prompt_hash=None if i % 2 else text, score=float(i), raw={"text": text})]
    return recs


def test_bulk_keys_equal_the_records_keys():
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    assert len(samples) == 26 and len(judgments) == 42
    assert sample_keys([s.checkpoint_id for s in samples], [s.question_key for s in samples],
                       [s.sample_index for s in samples], [s.sampling for s in samples]) == [s.key for s in samples]
    assert judgment_keys([j.sample_id for j in judgments], [j.judge_model for j in judgments],
                         [j.metric for j in judgments], [j.prompt_hash for j in judgments]) == [j.key for j in judgments]


def test_ingest_answers_writes_what_add_writes(tmp_path):
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    others = [r for r in recs if isinstance(r, (Run, Checkpoint, Question))]
    row_of = {s.key: i for i, s in enumerate(samples)}
    sframe = pd.DataFrame([{k: v for k, v in s.row().items() if k != "sample_id"} for s in samples])
    jframe = pd.DataFrame([{**{k: v for k, v in j.row().items() if k not in ("judgment_id", "sample_id")},
                            "sample": row_of[j.sample_id]} for j in judgments])
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        a.add(recs)
        b.add(others)
        added = b.ingest_answers(sframe, jframe)
        assert added == {"samples": len(samples), "judgments": len(judgments)}
        assert b.ingest_answers(sframe, jframe) == {"samples": 0, "judgments": 0}  # a rerun writes nothing
        for table, key in (("samples", "sample_id"), ("judgments", "judgment_id")):
            want = a.query(f"SELECT * EXCLUDE (created_at) FROM {table} ORDER BY {key}")
            got = b.query(f"SELECT * EXCLUDE (created_at) FROM {table} ORDER BY {key}")
            pd.testing.assert_frame_equal(got, want)


def test_bulk_keys_from_pandas_and_arrow_columns_equal_the_records_keys():
    """The columns as a caller's DataFrame gives them (pandas text columns, NaN or None for a missing prompt
    hash, numpy sample indexes, one sampling mapping object shared by many rows) give the records' keys."""
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    sframe = pd.DataFrame({"checkpoint_id": [s.checkpoint_id for s in samples],
                           "question_key": [s.question_key for s in samples],
                           "sample_index": [s.sample_index for s in samples],
                           "sampling": [s.sampling for s in samples]})
    assert sframe["sample_index"].dtype.kind == "i"
    assert sample_keys(sframe["checkpoint_id"], sframe["question_key"], sframe["sample_index"],
                       sframe["sampling"]) == [s.key for s in samples]
    jframe = pd.DataFrame({"sample_id": [j.sample_id for j in judgments], "judge_model": [j.judge_model for j in judgments],
                           "metric": [j.metric for j in judgments],
                           "prompt_hash": [j.prompt_hash if j.prompt_hash is not None else float("nan") for j in judgments]})
    assert jframe["prompt_hash"].isna().sum() == sum(j.prompt_hash is None for j in judgments) > 0
    assert judgment_keys(jframe["sample_id"], jframe["judge_model"], jframe["metric"], jframe["prompt_hash"]) \
        == [j.key for j in judgments]
    # one mapping object shared by every row, and the same content as distinct objects: one key each
    shared = {"temperature": 1.0, "seed": 0}
    one = sample_keys(["c"] * 3, ["q"] * 3, [0, 1, 2], [shared] * 3)
    assert one == sample_keys(["c"] * 3, ["q"] * 3, [0, 1, 2], [dict(shared) for _ in range(3)]) \
        == [Sample(checkpoint_id="c", question_key="q", sample_index=i, sampling=shared).key for i in range(3)]
    # a text column holding a number beside texts: encoded as the record encodes it (a JSON number)
    assert judgment_keys(["s", "s"], ["j", 7], ["aligned", "aligned"], [None, None]) == \
        [Judgment(sample_id="s", judge_model=m, metric="aligned", score=1.0).key for m in ("j", 7)]


def test_ingest_keeps_the_first_of_equal_keys_and_skips_stored_ones(tmp_path):
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)][:4]
    others = [r for r in recs if isinstance(r, (Run, Checkpoint, Question))]

    def frame(rows, response):
        return pd.DataFrame([{**{k: v for k, v in s.row().items() if k != "sample_id"}, "response": response}
                             for s in rows])

    with Store(tmp_path / "s.duckdb") as s:
        s.add(others)
        # the same answer twice in one call: the first row wins, as Store.add keeps the first record
        assert s.ingest_answers(frame(samples[:2] + samples[:1], "first").iloc[[0, 1, 2]].assign(
            response=["first", "first", "second"])) == {"samples": 2}
        assert s.query("SELECT count(*) AS n FROM samples WHERE response = 'second'").n[0] == 0
        # two stored, two new: the new go in, the stored stay as they were (no error, nothing twice)
        assert s.ingest_answers(frame(samples, "later")) == {"samples": 2}
        got = s.query("SELECT response, count(*) AS n FROM samples GROUP BY ALL ORDER BY ALL")
        assert got.values.tolist() == [["first", 2], ["later", 2]]


def test_store_add_keys_many_records_in_bulk_equal_to_their_own_keys():
    """Store.add of many answers and judgments computes their keys a column at a time (store._bulk.with_bulk_keys):
    the key each record then holds is the one it computes itself."""
    import dataclasses

    from emwatch.store._bulk import with_bulk_keys

    def rebuild(r):  # the same record, its key not computed yet
        return type(r)(**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)})

    recs = _records() * 10
    got = with_bulk_keys([rebuild(r) for r in recs])
    bulk = [r for r in got if isinstance(r, (Sample, Judgment))]
    assert len(bulk) == 680 and all("key" in r.__dict__ for r in bulk)  # set in bulk, not left to each record
    assert [r.key for r in got] == [rebuild(r).key for r in recs]


def test_no_column_gives_no_keys_and_only_a_nan_text_is_missing():
    from emwatch.store._keys import _column_json, bulk_keys

    assert bulk_keys("sample") == []
    # in a text column a NaN is a missing text (pandas' gap): JSON null, as None is; a float stays a number
    assert _column_json(["a", float("nan"), 1.5, None], text=True).to_pylist() == ['"a"', "null", "1.5", "null"]
    assert _column_json(["a", float("nan"), 1.5, None]).to_pylist() == ['"a"', "NaN", "1.5", "null"]
