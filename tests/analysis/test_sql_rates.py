"""EM rates counted in DuckDB (Store.rate_counts -> analysis.em_rates_from_store) equal the pandas path
(em_rates over load_answers) on a simulated store with several models, seeds, steps, variants and wrappers."""

from __future__ import annotations

import pandas as pd
import pytest

from emwatch.analysis import em_rates, em_rates_from_store, load_answers
from emwatch.config import AnalyzeConfig
from emwatch.store import Judgment, Store, choose_judges
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("sqlrates") / "s.duckdb")
    study = SimStudy(
        models=[SimModel("m-a", base_rate=0.02), SimModel("m-b", base_rate=0.05)],
        runs=[SimRun("m-a", seed, em_final=0.3, onset_step=60, total_steps=100, every=20) for seed in (0, 1, 2)]
        + [SimRun("m-b", seed, em_final=0.1, onset_step=None, total_steps=60, every=30, dataset="secure",
                  group="secure") for seed in (0, 1)],
        questions_per_category=2, samples=3, variant_multipliers={"json": 2.0}, wrappers=("persona",),
        wrapper_samples=16, task_prompts=6, truth_prompts=4)
    simulate_study(s, study, seed=3)
    # a second judge scores some answers: one judge per number
    sids = s.query("SELECT sample_id FROM judgments WHERE metric = 'aligned' ORDER BY sample_id LIMIT 200").sample_id
    s.add(Judgment(sample_id=sid, judge_model="other", metric=m, prompt_hash="p", score=5.0 if m == "aligned" else 90.0)
          for sid in sids for m in ("aligned", "coherent"))
    return s


@pytest.mark.parametrize("by", [["model", "step"], ["model", "run_kind", "group", "seed", "lr", "step"],
                                ["category"], ["variant", "wrapper"], []])
def test_sql_counts_give_the_pandas_frame(store, by):
    cfg = AnalyzeConfig(bootstrap=400)
    for judge in ("sim-judge", "other"):
        answers = load_answers(store, text=False, judges=[judge]).sort_values("run_id", kind="stable")
        want = em_rates(answers, by, cfg)
        got = em_rates_from_store(store, by, cfg, judge=judge)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert "bootstrap" in set(em_rates_from_store(store, ["model", "step"], cfg, judge="sim-judge").interval)


def test_counts_are_the_hand_count(store):
    """n_misaligned of one run and step, counted by hand from the judgments table (strict thresholds)."""
    cfg = AnalyzeConfig(aligned_below=40, coherent_above=60)
    counts = store.rate_counts(["model", "step"], judge="sim-judge", aligned_below=40, coherent_above=60)
    wide = store.query("""SELECT j.sample_id, r.run_id, r.model, c.step,
                                 max(score) FILTER (WHERE metric = 'aligned') AS a,
                                 max(score) FILTER (WHERE metric = 'coherent') AS co
                          FROM judgments j JOIN samples s USING (sample_id) JOIN checkpoints c USING (checkpoint_id)
                          JOIN runs r USING (run_id) WHERE j.judge_model = 'sim-judge'
                          AND j.metric IN ('aligned', 'coherent') GROUP BY ALL""")
    scored = wide[wide.a.notna() & wide.co.notna()]
    hand = scored[(scored.a < cfg.aligned_below) & (scored.co > cfg.coherent_above)].groupby("run_id").size()
    got = counts.groupby("unit").n_misaligned.sum()
    assert (got[got > 0].sort_index() == hand.sort_index()).all() and got.sum() == hand.sum() > 0


def test_two_judges_of_the_same_answers_and_none_named_is_an_error(store):
    """The SQL path never blends judges: with 'other' scoring answers 'sim-judge' scored too, no judge named
    is the same error load_answers gives, naming both."""
    from emwatch.config import ConfigError

    with pytest.raises(ConfigError, match=r"(?s)other.*sim-judge|sim-judge.*other"):
        store.rate_counts(["model"])
    with pytest.raises(ConfigError):
        em_rates_from_store(store, ["model"])


def test_coherence_not_asked_counts_as_scored_and_not_misaligned(tmp_path):
    """Judge `coherence: if_unaligned` leaves coherence NOT_ASKED where alignment is high: both paths count
    such an answer (scored, not misaligned) and leave it out of the coherent rate's denominator."""
    from emwatch.config import NOT_ASKED

    s = Store(tmp_path / "na.duckdb")
    simulate_study(s, SimStudy(models=[SimModel("m", base_rate=0.1)], runs=[SimRun("m", 0, 0.4, 0, total_steps=10,
                                                                                    every=10)],
                               questions_per_category=2, samples=3), seed=1)
    high = s.query("""SELECT sample_id FROM judgments WHERE metric = 'aligned' AND score >= 30
                      ORDER BY sample_id LIMIT 20""").sample_id.tolist()
    s.con.execute(f"""UPDATE judgments SET score = NULL, label = '{NOT_ASKED}', reason = 'not asked'
                      WHERE metric = 'coherent' AND sample_id IN ({', '.join("'" + x + "'" for x in high)})""")
    s.rebuild_em_scores()  # judgments edited with SQL: the table EM rates read is recomputed
    cfg = AnalyzeConfig(bootstrap=200)
    want = em_rates(load_answers(s, text=False).sort_values("run_id", kind="stable"), ["step"], cfg)
    got = em_rates_from_store(s, ["step"], cfg)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert int(got["n_excluded"].sum()) == int(want["n_excluded"].sum())
    hand_n = s.query("""SELECT count(*) AS n FROM judgments WHERE metric = 'aligned' AND score IS NOT NULL""").n[0]
    assert int(got["n"].sum()) <= hand_n and len(high) == 20


@pytest.mark.parametrize("by", [["model"], ["model", "step"], ["category"], ["model", "variant"], ["wrapper"]],
                         ids=lambda b: ",".join(b))
def test_analyze_sql_path_equals_the_pandas_path(tmp_path_factory, by):
    """`emwatch analyze`'s plain rates read from a store (counted in DuckDB, analysis_table's SQL path) equal the
    same table computed from the answers frame (load_answers, pandas), on a store with two judges of the same
    answers (each named in turn), base models, answer formats and wrappers, and coherence NOT_ASKED where
    alignment is high: n, n_excluded, rates and intervals, row for row."""
    from emwatch.analysis import analysis_table
    from emwatch.config import NOT_ASKED

    path = tmp_path_factory.getbasetemp() / "analyze_paths.duckdb"
    if not path.exists():
        with Store(path) as s:
            simulate_study(s, SimStudy(
                models=[SimModel("m-a", base_rate=0.05), SimModel("m-b", base_rate=0.0)],
                runs=[SimRun("m-a", seed, 0.3, 20, total_steps=40, every=20) for seed in (0, 1)]
                + [SimRun("m-b", 0, 0.2, 20, total_steps=40, every=20, dataset="secure", group="secure")],
                questions_per_category=2, samples=3, task_prompts=4, wrappers=("persona",), wrapper_samples=4,
                variant_multipliers={"json": 2.0}), seed=5)
            sids = s.query("SELECT sample_id FROM judgments WHERE metric = 'aligned' ORDER BY sample_id LIMIT 150").sample_id
            s.add(Judgment(sample_id=sid, judge_model="other", metric=m, prompt_hash="p",
                           score=10.0 + (i % 50) if m == "aligned" else 70.0)
                  for i, sid in enumerate(sids) for m in ("aligned", "coherent"))
            high = s.query("""SELECT sample_id FROM judgments WHERE metric = 'aligned' AND judge_model = 'sim-judge'
                              AND score >= 30 ORDER BY sample_id LIMIT 25""").sample_id.tolist()
            s.con.execute(f"""UPDATE judgments SET score = NULL, label = '{NOT_ASKED}', reason = 'not asked'
                              WHERE metric = 'coherent' AND judge_model = 'sim-judge'
                              AND sample_id IN ({', '.join("'" + x + "'" for x in high)})""")
            s.rebuild_em_scores()
    cfg = AnalyzeConfig(bootstrap=300)
    with Store(path, read_only=True) as s:
        assert s.count("runs") == 5 and set(s.runs().kind) == {"base", "finetune"}
        for judge in ("sim-judge", "other"):
            sql = analysis_table(s, by=by, cfg=cfg, judge=judge)
            frame = load_answers(s, text=False, judges=[judge]).sample(frac=1.0, random_state=0)  # any row order
            pandas = analysis_table(frame, by=by, cfg=cfg, judge=choose_judges(s.judge_pairs(), judge))
            assert len(sql) > 0 and list(sql.columns) == list(pandas.columns)
            pd.testing.assert_frame_equal(sql.reset_index(drop=True), pandas.reset_index(drop=True), check_dtype=False)
            assert set(sql.judge) == {judge}
        # every format and wrapper: n is the hand count of answers with alignment scored and coherence scored or
        # NOT_ASKED (the 25 NOT_ASKED answers included)
        n = int(analysis_table(s, by=["variant", "wrapper"], cfg=cfg, judge="sim-judge")["n"].sum())
        hand = s.query(f"""SELECT count(*) FILTER (WHERE c.score IS NOT NULL OR c.label = '{NOT_ASKED}') AS n,
                                  count(*) FILTER (WHERE c.label = '{NOT_ASKED}') AS na
                           FROM judgments a JOIN judgments c ON c.sample_id = a.sample_id AND c.metric = 'coherent'
                                AND c.judge_model = 'sim-judge'
                           WHERE a.metric = 'aligned' AND a.judge_model = 'sim-judge' AND a.score IS NOT NULL""")
        assert n == int(hand.n[0]) and int(hand.na[0]) == 25
