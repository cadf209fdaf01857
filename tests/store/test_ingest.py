"""Bulk writes (Store.add sends each table's rows to DuckDB as one Arrow table): values keep their kind, the JSON
text of repeated mappings is not mixed up between values Python calls equal, and odd values still go in."""

from pathlib import Path

from emwatch.store import Checkpoint, Judgment, Run, Sample, Store


def test_equal_in_python_distinct_in_json(tmp_path):
    # 1, 1.0 and True are equal (and hash alike) in Python; 0.0 and -0.0 too. Their rows must keep their own JSON.
    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    values = [1, 1.0, True, 0.0, -0.0, None, "1"]
    samples = [Sample(checkpoint_id=ck.key, question_key="q", sample_index=0, sampling={"t": v}, response="r")
               for v in values]
    with Store(tmp_path / "s.duckdb") as store:
        added = store.add([run, ck, *samples, *samples])  # each twice: the first of equal keys is kept
        assert added["samples"] == len(values)
        got = store.query("SELECT sample_id, sampling FROM samples")
    by_id = dict(zip(got.sample_id, got.sampling))
    assert [by_id[s.key] for s in samples] == ['{"t": 1}', '{"t": 1.0}', '{"t": true}', '{"t": 0.0}',
                                                 '{"t": -0.0}', '{"t": null}', '{"t": "1"}']


def test_values_arrow_cannot_type_go_in_as_text(tmp_path):
    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    # a folder given as a Path beside one given as text; a score given as an int beside floats and None
    cks = [Checkpoint(run_id=run.key, step=1, path=Path("runs/a")), Checkpoint(run_id=run.key, step=2, path="runs/b")]
    s = Sample(checkpoint_id=cks[0].key, question_key="q", sample_index=0, sampling={}, response="r")
    js = [Judgment(sample_id=s.key, judge_model="j", metric="aligned", score=80),
          Judgment(sample_id=s.key, judge_model="j", metric="coherent", score=12.5),
          Judgment(sample_id=s.key, judge_model="k", metric="aligned", score=None, reason="no score",
                   raw={"top": [["8", 0.5]]})]
    with Store(tmp_path / "s.duckdb") as store:
        store.add([run, *cks, s, *js])
        paths = store.query("SELECT step, path FROM checkpoints ORDER BY step")
        scores = store.query("SELECT judge_model, metric, score, reason, raw FROM judgments ORDER BY ALL")
    assert paths.path.tolist() == ["runs/a", "runs/b"]
    assert scores.score.tolist()[:2] == [80.0, 12.5] and scores.score.isna().tolist() == [False, False, True]
    assert scores.raw.tolist()[2] == '{"top": [["8", 0.5]]}'


def test_write_batch_commits_records_and_tasks_together_and_skips_stored_keys(tmp_path):
    """Store.write_batch (the job's commit) inserts planned answers as new rows; one stored already (another writer)
    rolls the fast attempt back and writes the batch again skipping it: no error, nothing twice, the task states
    with their records."""
    from emwatch.store import Task

    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    ss = [Sample(checkpoint_id=ck.key, question_key="q", sample_index=i, sampling={}, response=f"r{i}") for i in range(4)]
    js = [Judgment(sample_id=s.key, judge_model="j", metric="aligned", score=float(i)) for i, s in enumerate(ss)]
    task = Task(study="st", kind="judge", target={"checkpoint_id": ck.key}, status="done", attempts=1)
    with Store(tmp_path / "s.duckdb") as store:
        assert store.write_batch([run, ck, *ss[:2], *js[:1]]) == {"runs": 1, "checkpoints": 1, "samples": 2,
                                                                 "judgments": 1}
        assert store.fresh_fallbacks == 0
        added = store.write_batch([*ss, *js, ss[3]], [task])  # two answers and a judgment stored already
        assert added == {"samples": 2, "judgments": 3} and store.fresh_fallbacks == 1
        assert store.count("samples") == 4 and store.count("judgments") == 4
        assert store.tasks("st").status.tolist() == ["done"]
        # a metric first seen in a batch that fell back: the file's views name it all the same
        store.write_batch([Judgment(sample_id=ss[0].key, judge_model="j", metric="coherent", score=9.0),
                           js[0]])
        assert store.fresh_fallbacks == 2 and "coherent" in store.query("SELECT * FROM scores LIMIT 0").columns


def test_ingest_answers_writes_nothing_when_a_judgment_cannot_be_keyed(tmp_path):
    """The judgments' keys are computed beside the answers' insert (store._bulk): a judgment whose key cannot be
    computed (a text no UTF-8 can hold) fails the call after the answers went in, and rolls them back with it."""
    import pandas as pd
    import pytest

    from emwatch.store import Question

    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    q = Question(bank="b", question_id="q", messages=[{"role": "user", "content": "x"}], judge_metrics={"aligned": None})
    samples = pd.DataFrame({"checkpoint_id": [ck.key] * 3, "question_key": [q.key] * 3, "sample_index": [0, 1, 2],
                            "sampling": [{"t": 1.0}] * 3, "response": ["a", "b", "c"]})
    judgments = pd.DataFrame({"sample": [0, 1, 2], "judge_model": pd.Series(["j", "j", "bad \ud800"], dtype=object),
                              "metric": "aligned",
                              "score": [1.0, 2.0, 3.0]})
    with Store(tmp_path / "s.duckdb") as store:
        store.add([run, ck, q])
        with pytest.raises((UnicodeError, ValueError)):
            store.ingest_answers(samples, judgments)
        assert store.count("samples") == 0 and store.count("judgments") == 0
        assert store.ingest_answers(samples, judgments.assign(judge_model="j")) == {"samples": 3, "judgments": 3}


def test_ingest_answers_keeps_the_first_of_equal_judgments(tmp_path):
    """Judgments go to DuckDB in key order; of equal keys in one call the caller's first is kept, as in Store.add."""
    import pandas as pd

    from emwatch.store import Question

    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    q = Question(bank="b", question_id="q", messages=[{"role": "user", "content": "x"}], judge_metrics={"aligned": None})
    n = 50
    samples = pd.DataFrame({"checkpoint_id": ck.key, "question_key": q.key, "sample_index": range(n),
                            "sampling": [{"t": 1.0}] * n, "response": [f"r{i}" for i in range(n)]})
    # each answer judged twice by the same judge and metric (one key): scores i (first) and 100 + i (second)
    judgments = pd.DataFrame({"sample": list(range(n)) * 2, "judge_model": "j", "metric": "aligned",
                              "score": [float(i) for i in range(n)] + [100.0 + i for i in range(n)]})
    with Store(tmp_path / "s.duckdb") as store:
        store.add([run, ck, q])
        assert store.ingest_answers(samples, judgments) == {"samples": n, "judgments": n}
        got = store.query("SELECT s.response, j.score FROM judgments j JOIN samples s USING (sample_id)")
    assert sorted(zip(got.response, got.score)) == sorted((f"r{i}", float(i)) for i in range(n))


def test_ingest_answers_takes_whole_number_indexes_as_integers(tmp_path):
    """A `sample_index` column of floats (a frame read with gaps) or bools keys each answer by the integer the
    table stores, as before; a fraction or a missing index is an error naming the row, and nothing is written."""
    import pandas as pd
    import pytest

    from emwatch.store import Question

    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    q = Question(bank="b", question_id="q", messages=[{"role": "user", "content": "x"}], judge_metrics={"aligned": None})

    def frame(index):
        return pd.DataFrame({"checkpoint_id": ck.key, "question_key": q.key, "sample_index": index,
                             "sampling": [{"t": 1.0}] * len(index), "response": "r"})

    want = {Sample(checkpoint_id=ck.key, question_key=q.key, sample_index=i, sampling={"t": 1.0}).key for i in (0, 1, 2)}
    with Store(tmp_path / "s.duckdb") as store:
        store.add([run, ck, q])
        for bad, row in (([0.0, 1.5], 1), ([0.0, float("nan")], 1), (["x", 1], 0)):
            with pytest.raises(ValueError, match=f"row {row}: sample_index"):
                store.ingest_answers(frame(bad))
        assert store.count("samples") == 0
        assert store.ingest_answers(frame([0.0, 1.0, 2.0])) == {"samples": 3}
        assert store.ingest_answers(frame([False, True])) == {"samples": 0}  # answers 0 and 1, stored already
        got = store.query("SELECT sample_id, sample_index FROM samples ORDER BY sample_index")
    assert set(got.sample_id) == want and got.sample_index.tolist() == [0, 1, 2]


def test_ingest_answers_written_again_after_a_stored_judgment_stops_the_fast_way(tmp_path):
    """New answers go in as new rows (no look-up per key); a judgment stored already (before its answer) stops
    that insert after the answers went in, and the call writes everything again skipping stored keys: the
    judgments' table, handed over by the keys' thread once, is written again in full, and the em_scores rows
    come out as a rebuild makes them."""
    import pandas as pd

    from emwatch.store import Question

    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    ck = Checkpoint(run_id=run.key, step=1)
    q = Question(bank="b", question_id="q", messages=[{"role": "user", "content": "x"}],
                 judge_metrics={"aligned": None, "coherent": None})
    n = 6
    samples = pd.DataFrame({"checkpoint_id": ck.key, "question_key": q.key, "sample_index": range(n),
                            "sampling": [{"t": 1.0}] * n, "response": [f"r{i}" for i in range(n)]})
    judgments = pd.DataFrame({"sample": [i for i in range(n) for _ in range(2)], "judge_model": "j",
                              "metric": ["aligned", "coherent"] * n, "score": [10.0 * i + 1 for i in range(2 * n)]})
    first = Sample(checkpoint_id=ck.key, question_key=q.key, sample_index=0, sampling={"t": 1.0}, response="r0")
    with Store(tmp_path / "s.duckdb") as store:
        store.add([run, ck, q])
        store.add([Judgment(sample_id=first.key, judge_model="j", metric="aligned", score=1.0)])  # answer 0's
        assert store.ingest_answers(samples, judgments) == {"samples": n, "judgments": 2 * n - 1}
        assert store.count("judgments") == 2 * n
        got = store.query("SELECT * FROM em_scores ORDER BY sample_id, judge_model")
        store.rebuild_em_scores()
        rebuilt = store.query("SELECT * FROM em_scores ORDER BY sample_id, judge_model")
    assert len(got) == n and got.equals(rebuilt)
