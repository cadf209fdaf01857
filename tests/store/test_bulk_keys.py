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


def test_no_column_gives_no_keys_and_only_a_nan_text_is_missing():
    from emwatch.store._keys import _texts, bulk_keys

    assert bulk_keys("sample") == []
    assert _texts(["a", float("nan"), 1.5, None]) == ["a", None, 1.5, None]
