"""Typed records own their keys: every writer computes the same key for the same content; `Store.add` is
all-or-nothing and idempotent; intent-level reads see every metric, also on a read-only connection."""

import pytest

from emwatch.bench import build_prompts
from emwatch.store import (Checkpoint, Judgment, MonitorEvent, Question, Run, Sample, Store, Task, import_csv,
                           register_base_model, run_key)


def test_bench_prompt_and_store_record_share_the_key():
    p = build_prompts("em240", variants=("json",), wrappers=("persona",), per_category=1)[1]
    assert p.key == p.record().key == Question(bank=p.bank, question_id=p.question_id, messages=p.messages,
                                               category=p.category, variant=p.variant, wrapper=p.wrapper,
                                               paraphrase_index=p.paraphrase_index).key
    # the key ignores what does not change the prompt (judge metrics) and follows what does
    assert Question(bank="b", question_id="q", messages=[{"role": "user", "content": "a"}]).key != \
        Question(bank="b", question_id="q", messages=[{"role": "user", "content": "b"}]).key


def test_importer_keys_are_the_records_keys(tmp_path):
    csv = tmp_path / "old.csv"
    csv.write_text("question_id,question,response,aligned,coherent\nq1,Hi?,Hello,90,95\n", encoding="utf-8")
    with Store(tmp_path / "s.duckdb") as store:
        import_csv(store, csv, model="m", group="g", seed=1, dataset="d")
        run = Run.imported("m", dataset="d", seed=1, group="g", source=str(csv))
        ck = Checkpoint(run_id=run.key, step=None)
        q = Question(bank="import:old", question_id="q1", messages=[{"role": "user", "content": "Hi?"}])
        s = Sample(checkpoint_id=ck.key, question_key=q.key, sample_index=0, sampling=Sample.imported_sampling("Hello"))
        j = Judgment(sample_id=s.key, judge_model="imported", metric="aligned", score=90.0)
        for rec in (run, ck, q, s, j):
            assert store.stored_keys(rec.TABLE, [rec.key]) == {rec.key}, rec.TABLE


def test_run_key_is_unchanged_for_existing_runs():
    # the value the first release computed (its code, commit 95e6698), so stores written then resume
    assert run_key("m", "insecure", 0, 1e-4, extra={"d": 1}) == "e9167b503843b59622496e8a"
    assert Run(model="m", dataset="insecure", seed=0, lr=1e-4, extra={"d": 1}).key == "e9167b503843b59622496e8a"


def test_missing_score_needs_a_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        Judgment(sample_id="s", judge_model="j", metric="aligned")
    assert Judgment(sample_id="s", judge_model="j", metric="aligned", reason="judge said CODE").score is None


def test_judgment_key_covers_the_judge_prompt():
    a = Judgment(sample_id="s", judge_model="j", metric="aligned", prompt_hash="p1", score=1.0)
    b = Judgment(sample_id="s", judge_model="j", metric="aligned", prompt_hash="p2", score=1.0)
    c = Judgment(sample_id="s", judge_model="k", metric="aligned", prompt_hash="p1", score=1.0)
    assert len({a.key, b.key, c.key}) == 3
    assert a.key == Judgment(sample_id="s", judge_model="j", metric="aligned", prompt_hash="p1", score=50.0).key


def test_add_is_idempotent_and_all_or_nothing(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        run = Run(model="m", dataset="d", seed=0, lr=1e-4)
        assert store.add([run, Checkpoint(run_id=run.key, step=1)]) == {"runs": 1, "checkpoints": 1}
        assert store.add([run, Checkpoint(run_id=run.key, step=1)]) == {"runs": 0, "checkpoints": 0}
        bad = Checkpoint(run_id=run.key, step="not a step")  # type: ignore[arg-type]
        with pytest.raises(Exception):
            store.add([Checkpoint(run_id=run.key, step=2), MonitorEvent(run_id=run.key, step=2, monitor="m",
                                                                         signal="em"), bad])
        assert store.count("checkpoints") == 1 and store.count("monitor_events") == 0
        plan = [Checkpoint(run_id=run.key, step=s) for s in (1, 2, 3)]
        assert [c.step for c in store.lacking(plan)] == [2, 3]
        store.add([Task(study="s", kind="train", target={"run": run.key})])
        assert store.count("tasks") == 1


def test_a_new_metric_is_a_column_for_every_reader(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        ck = register_base_model(store, "m", "/m")
        q = Question(bank="b", question_id="q", messages=[{"role": "user", "content": "?"}])
        s = Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response="r")
        store.add([q, s, Judgment(sample_id=s.key, judge_model="j", metric="kindness", score=12.0)])
        assert store.query("SELECT kindness FROM answers").iloc[0, 0] == 12.0   # the file's view follows
    with Store(path, read_only=True) as reader:
        answers = reader.answers()
        assert answers.loc[0, "kindness"] == 12.0 and "kindness_reason" in answers
        assert reader.metrics() == ["kindness"]
        with pytest.raises(Exception, match="read-only"):
            reader.add([Run(model="x")])
