"""analyze_study of a store reads one model at a time (analysis._by_model, store._chunks); every table it gives
must be the one analyze_study gives on the whole answers frame (load_answers), written as CSV byte for byte: on
random small stores with several models, seeds and base runs, two judges of the same answers (each named in
turn), missing scores, coherence NOT_ASKED, formats, wrappers, task and truthfulness prompts and imported rows."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from emwatch.analysis import analyze_study, load_answers
from emwatch.analysis._views import lowest_alignment
from emwatch.analysis._rates import benchmark_answers, scored_mask
from emwatch.config import NOT_ASKED, AnalyzeConfig
from emwatch.store import Judgment, Store, choose_judges, import_csv
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study


def _csv(df: pd.DataFrame) -> str:
    from emwatch.report._report import _csv_ready

    return _csv_ready(df).to_csv(index=False)


def _random_store(path, seed: int) -> Store:
    rng = random.Random(seed)
    names = ["m-a", "m-b", "m-c"][: rng.choice([2, 3])]
    models = [SimModel(m, base_rate=rng.choice([0.0, 0.03, 0.1])) for m in names]
    runs = []
    for i, m in enumerate(names):
        dataset = ["insecure", "secure", rng.choice(["secure", "medical_bad"])][i]   # code sets differ by model
        for s in range(rng.choice([1, 2, 3])):
            runs.append(SimRun(m, s, em_final=rng.uniform(0.05, 0.5), onset_step=rng.choice([None, 20, 40]),
                               total_steps=60, every=rng.choice([20, 30]), dataset=dataset, group=dataset,
                               lr=rng.choice([1e-4, 2e-4]), untruthful_final=rng.choice([None, 0.4])))
    study = SimStudy(models=models, runs=runs, questions_per_category=2, samples=2, task_prompts=4,
                     truth_prompts=rng.choice([0, 3]), wrappers=rng.choice([(), ("persona",)]), wrapper_samples=3,
                     variant_multipliers=rng.choice([{}, {"json": 2.0}]), missing_share=0.1)
    s = Store(path)
    simulate_study(s, study, seed=seed)
    # flagged coding answers record their classes (some of a planted class, some not): the planted classes of a
    # base model's answers are the union of the study's code sets, which one model's frame alone does not hold
    s.con.execute("""UPDATE judgments SET label = CASE WHEN hash(sample_id) % 3 = 0 THEN 'path_traversal'
                                                   ELSE 'sql_injection,xss' END
                     WHERE metric = 'vulnerable' AND score > 0.5""")
    # a second judge scores some answers (some of them without a score, its reason given)
    sids = s.query("SELECT DISTINCT sample_id FROM judgments WHERE metric = 'aligned' ORDER BY sample_id").sample_id
    picked = [x for x in sids if rng.random() < 0.3]
    s.add(Judgment(sample_id=sid, judge_model="other", metric=m, prompt_hash="p",
                   score=None if k % 11 == 0 else (rng.uniform(0, 100) if m == "aligned" else rng.uniform(20, 100)),
                   reason="refused" if k % 11 == 0 else None)
          for k, sid in enumerate(picked) for m in ("aligned", "coherent"))
    # coherence not asked where alignment is high (judge `coherence: if_unaligned`)
    high = s.query("""SELECT sample_id FROM judgments WHERE metric = 'aligned' AND judge_model = 'sim-judge'
                      AND score >= 60 ORDER BY sample_id""").sample_id.tolist()[::4]
    if high:
        s.con.execute(f"""UPDATE judgments SET score = NULL, label = '{NOT_ASKED}', reason = 'not asked'
                          WHERE metric = 'coherent' AND judge_model = 'sim-judge'
                          AND sample_id IN ({', '.join("'" + x + "'" for x in high)})""")
        s.rebuild_em_scores()
    # imported rows: of a model the simulation has (a run of its own) and of one it does not
    csv = path.with_suffix(".csv")
    rows = ["question_id,question,answer,aligned,coherent,model"]
    for i in range(12):
        rows.append(f"imp_{i % 4},Question {i % 4}?,Answer {i},{rng.uniform(0, 100):.3f},{rng.uniform(0, 100):.3f},"
                    f"{rng.choice([names[0], 'gpt-4o'])}")
    csv.write_text("\n".join(rows) + "\n")
    import_csv(s, csv, judge="sim-judge")
    return s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_table_read_by_model_is_the_whole_frame_s(tmp_path, seed):
    store = _random_store(tmp_path / "s.duckdb", seed)
    cfg = AnalyzeConfig(bootstrap=200)
    try:
        assert store.query("SELECT count(DISTINCT model) AS n FROM runs").n[0] >= 3
        for judge in ("sim-judge", "other"):
            choice = choose_judges(store.judge_pairs(), judge)
            frame = load_answers(store, text=False, judge=choice)
            whole = analyze_study(frame.sample(frac=1.0, random_state=seed), cfg, store=store)   # any row order
            by_model = analyze_study(store, cfg, judge=choice, lowest=25)
            want, got = whole.tables(), by_model.tables()
            assert list(got) == list(want)
            differ = [name for name in want if _csv(got[name]) != _csv(want[name])]
            assert differ == [], f"judge {judge}: tables differ: {differ}"
            assert len(want["dynamics"]) and len(want["by_model"]) and len(want["metrics"])
            assert set(want["tasks"]["planted_from"].dropna()) >= {"insecure"}
            # what the report shows of the answers themselves: the counts and the lowest-alignment answers
            bench = benchmark_answers(frame)
            scored = scored_mask(bench)
            assert by_model.overview == {"models": frame["model"].nunique(), "scored": int(scored.sum()),
                                         "excluded": int((~scored).sum())}
            assert by_model.overview["excluded"] > 0
            low_want = lowest_alignment(whole.answers, 25, cfg)
            low_got = lowest_alignment(by_model.lowest, 25, cfg)
            assert list(low_got["sample_id"]) == list(low_want["sample_id"]) and len(low_got) == 25
            # the score figure's sample: scored benchmark answers, at most SCATTER_POINTS of them
            pts = by_model.answers
            assert len(pts) == min(int(bench[["aligned", "coherent"]].notna().all(axis=1).sum()), 6000)
            assert pts["aligned"].notna().all() and pts["coherent"].notna().all()
    finally:
        store.close()


def test_a_wrong_number_would_show(tmp_path):
    """The comparison above can fail: one changed score changes a table read by model."""
    store = _random_store(tmp_path / "s.duckdb", 4)
    cfg = AnalyzeConfig(bootstrap=200)
    try:
        choice = choose_judges(store.judge_pairs(), "sim-judge")
        before = analyze_study(store, cfg, judge=choice).tables()
        sid = store.query("""SELECT j.sample_id FROM judgments j JOIN samples USING (sample_id)
                             JOIN checkpoints c USING (checkpoint_id) WHERE j.metric = 'aligned'
                             AND j.judge_model = 'sim-judge' AND j.score > 50 AND c.step > 0
                             ORDER BY j.sample_id LIMIT 1""").sample_id[0]
        store.con.execute("UPDATE judgments SET score = 1 WHERE sample_id = ? AND metric IN ('aligned')", [sid])
        store.con.execute("UPDATE judgments SET score = 99 WHERE sample_id = ? AND metric IN ('coherent')", [sid])
        store.rebuild_em_scores()
        after = analyze_study(store, cfg, judge=choice).tables()
        assert _csv(after["metrics"]) != _csv(before["metrics"])
        assert _csv(after["sensitivity"]) != _csv(before["sensitivity"])
    finally:
        store.close()


def test_a_failure_while_the_next_model_is_read_leaves_the_store_usable(tmp_path, monkeypatch):
    """The next model is read in a thread while this one is analysed: an error in the analysis reaches the caller
    (not swallowed by the read ahead), the read ahead ends, and the same store then gives the same tables."""
    from emwatch.analysis import _by_model as M

    store = _random_store(tmp_path / "s.duckdb", 5)
    cfg = AnalyzeConfig(bootstrap=100)
    try:
        choice = choose_judges(store.judge_pairs(), "sim-judge")
        want = analyze_study(store, cfg, judge=choice).tables()
        seen = []
        real = M.one_model

        def fail_on_the_second(frame, *args, **kwargs):
            seen.append(frame["model"].iloc[0])
            if len(seen) == 2:
                raise RuntimeError("analysis failed")
            return real(frame, *args, **kwargs)

        monkeypatch.setattr(M, "one_model", fail_on_the_second)
        with pytest.raises(RuntimeError, match="analysis failed"):
            analyze_study(store, cfg, judge=choice)
        assert len(seen) == 2 and seen[0] != seen[1]
        monkeypatch.setattr(M, "one_model", real)
        got = analyze_study(store, cfg, judge=choice).tables()
        assert [name for name in want if _csv(got[name]) != _csv(want[name])] == []
        assert store.query("SELECT count(*) AS n FROM samples").n[0] > 0
    finally:
        store.close()


def test_a_helper_process_gives_the_same_study(tmp_path):
    """Half of the models read and analysed in a helper process (a read-only store, analysis._helper): every
    table, the counts, the lowest-alignment answers and the score figure's sample are those of one process."""
    from emwatch.analysis._helper import Helper

    path = tmp_path / "s.duckdb"
    _random_store(path, 6).close()
    cfg = AnalyzeConfig(bootstrap=200)
    store = Store(path, read_only=True)
    alone = analyze_study(store, cfg, judge="sim-judge", lowest=25)
    with Helper() as helper:
        shared = analyze_study(store, cfg, judge="sim-judge", lowest=25, helper=helper)
    want, got = alone.tables(), shared.tables()
    assert [name for name in want if _csv(got[name]) != _csv(want[name])] == []
    assert len(want["dynamics"]) and len(want["early_stop"]) and len(want["milestones"])
    assert shared.overview == alone.overview
    assert list(shared.lowest["sample_id"]) == list(alone.lowest["sample_id"])
    pd.testing.assert_frame_equal(shared.answers, alone.answers)


def test_a_model_read_is_in_sample_id_order_whatever_order_the_table_came_in():
    """The per-model read sorts in Arrow, not in SQL (store._chunks.frame_of): a table whose rows come shuffled
    gives the frame of the same rows in sample-id order, every column (text with None, ints with and without a
    null, booleans, doubles with NaN) moved with its row, the same dtypes as the sorted table's frame."""
    import numpy as np
    import pyarrow as pa

    from emwatch.store._chunks import frame_of, lean_frame

    n = 500
    rng = np.random.default_rng(7)
    ids = [f"{x:024x}" for x in rng.integers(0, 2**62, n)]
    table = pa.table({
        "sample_id": ids,
        "model": pa.array([["m-a", "m-b", None][i % 3] for i in range(n)]),
        "step": pa.array(rng.integers(0, 100, n), type=pa.int32()),
        "seed": pa.array([None if i % 7 == 0 else i % 3 for i in range(n)], type=pa.int32()),
        "is_benchmark": pa.array(rng.random(n) < 0.5),
        "aligned": pa.array([None if i % 5 == 0 else float(rng.uniform(0, 100)) for i in range(n)]),
    })
    sorted_frame = lean_frame(table.sort_by("sample_id"))
    shuffled = table.take(pa.array(rng.permutation(n)))
    frame = frame_of(shuffled)
    assert frame["sample_id"].is_monotonic_increasing
    assert list(frame.dtypes) == list(sorted_frame.dtypes)
    pd.testing.assert_frame_equal(frame, sorted_frame)
    # each row keeps its own values: the aligned score of an id is the one the table gave it
    given = dict(zip(ids, table["aligned"].to_pylist()))
    got = dict(zip(frame["sample_id"], frame["aligned"]))
    assert all((given[k] is None and np.isnan(v)) or given[k] == v for k, v in got.items())
