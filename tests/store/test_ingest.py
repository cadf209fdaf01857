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
