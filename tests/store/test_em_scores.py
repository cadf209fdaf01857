"""Schema 4's em_scores table (aligned/coherent per answer and judge, kept by every write), schema 5's em_counts
(counts per checkpoint for the default label rule) and the EM-rate counts read from them: on random small stores
written by every writer (records, a job's batches, bulk ingest, a judgment before its answer, a failed judge
request replaced, a run re-keyed), both tables equal ones rebuilt from the judgments, and Store.rate_counts equals
the pandas computation over load_answers count for count, read from em_counts where it answers and by the scan
otherwise, for several judges, missing scores, coherence not asked, base and imported runs, wrappers, formats,
questions declaring no metric and verdict questions."""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from emwatch.analysis import load_answers
from emwatch.analysis._rates import _unit_counts, benchmark_answers
from emwatch.config import NOT_ASKED, AnalyzeConfig
from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store
from emwatch.store import _counts, _em_counts
from emwatch.store._counts import em_source, has_pending
from emwatch.store._migrate import rekey_runs
from emwatch.store._schema import SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"
COUNTS = ["n", "n_excluded", "n_misaligned", "n_coherent", "n_coherence_asked"]
EM = {"aligned": None, "coherent": None}


def _question(bank, qid, variant="plain", wrapper=None, metrics=EM):
    return Question(bank=bank, question_id=qid, messages=[{"role": "user", "content": f"{bank} {qid} {variant} {wrapper}"}],
                    category=bank, variant=variant, wrapper=wrapper, judge_metrics=metrics)


def _judgments(rng, sid, judge, *, both=True):
    """A judge's aligned (and coherent) judgments of one answer: scores, missing scores with reasons, coherence
    not asked where alignment is high."""
    out = []
    if rng.random() < 0.1:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="aligned", prompt_hash="p", score=None,
                            reason="no numeric mass"))
        a = None
    else:
        a = float(rng.randrange(0, 101))
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="aligned", prompt_hash="p", score=a))
    if not both or rng.random() < 0.08:
        return out
    if a is not None and a >= 30 and rng.random() < 0.3:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p", score=None,
                            label=NOT_ASKED, reason="not asked"))
    elif rng.random() < 0.05:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p", score=None,
                            reason="refused"))
    else:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p",
                            score=float(rng.randrange(0, 101))))
    return out


def random_store(path: Path, seed: int, *, second_judge: bool) -> Store:
    """A small store written through every writer, in random order and chunks."""
    rng = random.Random(seed)
    runs = []
    for model in ("m-a", "m-b"):
        runs.append(Run.base(model))
        runs += [Run(model=model, dataset=rng.choice(["insecure", "secure"]), seed=sd, lr=1e-4, group="g")
                 for sd in range(rng.randint(1, 2))]
    imported = Run.imported("m-c", dataset="insecure", seed=0, source="file.csv")
    runs.append(imported)
    cks = [Checkpoint(run_id=r.key, step=st) for r in runs for st in ((0,) if r.kind == "base" else (10, 20))]
    em = [_question("em", f"q{i}", variant, wrapper) for i in range(3)
          for variant, wrapper in (("plain", None), ("json", None), ("plain", "persona"))]
    bare_twin = _question("em", "q0", "template", metrics={})        # declares none; its (bank, id) is judged
    undeclared = [_question("imp", f"u{i}", metrics={}) for i in range(3)]   # u0, u1 judged in the import only
    verdict = _question("truth", "t0", metrics={"truthful": None})
    coding = _question("task", "c0", metrics={"vulnerable": None})
    questions = em + [bare_twin, verdict, coding] + undeclared
    samples, judgments = [], []
    for ck in cks:
        run = next(r for r in runs if r.key == ck.run_id)
        for q in questions:
            for i in range(rng.randint(1, 2)):
                smp = Sample(checkpoint_id=ck.key, question_key=q.key, sample_index=i, sampling={"seed": i},
                             response=f"answer {rng.random()}")
                samples.append(smp)
                if q in em:
                    if rng.random() < 0.92:
                        judgments += _judgments(rng, smp.key, "judge-a")
                    if second_judge and rng.random() < 0.3:
                        judgments += _judgments(rng, smp.key, "judge-b", both=rng.random() < 0.8)
                elif q in undeclared[:2] and run is imported:
                    judgments += _judgments(rng, smp.key, "judge-a")
                elif q is verdict:
                    judgments.append(Judgment(sample_id=smp.key, judge_model="judge-a", metric="truthful",
                                              prompt_hash="t", label=rng.choice(["TRUE", "FALSE"])))
                elif q is coding:
                    judgments.append(Judgment(sample_id=smp.key, judge_model="static:bandit", metric="vulnerable",
                                              score=float(rng.random() < 0.2)))
    s = Store(path)
    s.con  # one connection held for the whole build (a Store otherwise opens the file per write)
    s.add(runs + cks + questions)
    # a failed judge request stored by an earlier release, replaced by the judgment of the same key below
    retry = next(j for j in judgments if j.metric == "aligned" and j.score is not None)
    s.add([Sample(**{f: getattr(x, f) for f in ("checkpoint_id", "question_key", "sample_index", "sampling", "response")})
           for x in samples if x.key == retry.sample_id])
    s.add([Judgment(sample_id=retry.sample_id, judge_model=retry.judge_model, metric=retry.metric,
                    prompt_hash=retry.prompt_hash, score=None, reason="judge error: timed out")])
    # some judgments before their answers (written later by a job's batch)
    early = [j for j in judgments if rng.random() < 0.1]
    s.add(early)
    rest_s = [x for x in samples]
    rng.shuffle(rest_s)
    rest_j = [j for j in judgments if j not in early]
    rng.shuffle(rest_j)
    # one checkpoint's answers and judgments in bulk
    bulk_ck = cks[1].key
    bulk_s = [x for x in rest_s if x.checkpoint_id == bulk_ck and x.key != retry.sample_id]
    bulk_ids = {x.key for x in bulk_s}
    bulk_j = [j for j in rest_j if j.sample_id in bulk_ids]
    pos = {x.key: i for i, x in enumerate(bulk_s)}
    s.ingest_answers(pd.DataFrame([{"checkpoint_id": x.checkpoint_id, "question_key": x.question_key,
                                    "sample_index": x.sample_index, "sampling": dict(x.sampling),
                                    "response": x.response} for x in bulk_s]),
                     pd.DataFrame([{"sample": pos[j.sample_id], "judge_model": j.judge_model, "metric": j.metric,
                                    "prompt_hash": j.prompt_hash, "score": j.score, "label": j.label,
                                    "reason": j.reason} for j in bulk_j]) if bulk_j else None)
    rest_s = [x for x in rest_s if x.key not in bulk_ids]
    rest_j = [j for j in rest_j if j.sample_id not in bulk_ids]
    # the rest: answers and judgments in random chunks, as records or as a job's batches; the replaced retry
    # and the judgments written early come again (skipped as stored, or replacing the failed request)
    items = rest_s + rest_j + [retry] + early[: len(early) // 2]
    rng.shuffle(items)
    while items:
        k = rng.randint(10, 150)
        chunk, items = items[:k], items[k:]
        if rng.random() < 0.5:
            s.add(chunk)
        else:
            s.write_batch(chunk)
    # a run re-keyed (its checkpoints, answers and judgments move)
    old = next(r for r in runs if r.kind == "finetune").key
    rekey_runs(s, {old: old + "-v2"})
    return s


def em_table(store: Store, *, raw: bool = False) -> list[tuple]:
    """em_scores as a reader takes it (the table, with the rows of answers pending computed from their
    judgments), or (`raw`) the table as stored."""
    with store._session() as con:
        frame = con.execute(f"SELECT * FROM {'em_scores' if raw else em_source(con)}").df()
    return sorted(frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None), key=repr)


def counts_table(store: Store) -> list[tuple]:
    """em_counts as stored, sorted."""
    with store._session() as con:
        rows = con.execute("SELECT * FROM em_counts").fetchall()
    return sorted(rows, key=repr)


@pytest.fixture
def table_reads(monkeypatch):
    """How many rate counts were read from em_counts (the rest were counted by the scan)."""
    calls = []
    real = _counts.table_rate_counts

    def spy(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(_counts, "table_rate_counts", spy)
    return calls


def _norm(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v


def pandas_counts(store, by, judge, only, cfg, frame=None):
    frame = load_answers(store, text=False, judge=judge) if frame is None else frame
    if "unwrapped" in only:
        frame = frame[frame["wrapper"].isna()]
    if "plain" in only:
        frame = frame[frame["variant"].isna() | (frame["variant"] == "plain")]
    bench = benchmark_answers(frame)
    if bench.empty:
        return []
    got = _unit_counts(bench, list(by), cfg)
    cols = list(by) + ["_unit", "_n", "_excl", "_k", "_coh", "_cohn"]
    return sorted((tuple(_norm(v) for v in row) for row in got[cols].itertuples(index=False, name=None)), key=repr)


def sql_counts(store, by, judge, only, cfg):
    got = store.rate_counts(list(by), judge=judge, aligned_below=cfg.aligned_below,
                            coherent_above=cfg.coherent_above, only=only)
    return sorted((tuple(_norm(v) for v in row) for row in got[list(by) + ["unit"] + COUNTS].itertuples(
        index=False, name=None)), key=repr)


BYS = [("model", "step"), ("run_id", "run_kind", "dataset", "seed", "group"), ("bank", "question_id", "variant"),
       ("wrapper", "category", "paraphrase_index"), ("checkpoint_id", "total_steps", "sample_index"), ()]
ONLY = [(), ("unwrapped",), ("unwrapped", "plain")]


@pytest.mark.parametrize("seed", range(4))
def test_em_scores_and_rate_counts_equal_the_pandas_path_on_random_stores(tmp_path, seed, monkeypatch, table_reads):
    """Even seeds: every commit recomputes its answers' rows; odd seeds: none does (the store's one connection
    is held throughout), so every read goes through the answers pending, computed from their judgments. Then,
    the writer gone (nothing pending), the rates by a checkpoint's keys under the default rule are read from
    em_counts, which equals a rebuild, and still equal the pandas path."""
    second = seed % 2 == 0
    monkeypatch.setattr(_counts, "FLUSH_MIN", 0 if seed % 2 == 0 else 10**9)
    monkeypatch.setattr(_counts, "FLUSH_SHARE", 0.0)
    s = random_store(tmp_path / "s.duckdb", seed, second_judge=second)
    with s._session() as con:
        assert has_pending(con) == (seed % 2 == 1)
    kept = em_table(s)
    assert len(kept) > 50
    _check_rates(s, seed, second)
    if seed % 2:
        assert not table_reads   # answers pending: every count came from the scan
    s.close()   # a writer letting go brings the tables up to date
    s = Store(tmp_path / "s.duckdb")
    with s._session() as con:
        assert not has_pending(con) and _em_counts.usable_rule(con) == (30.0, 50.0)
    assert em_table(s, raw=True) == kept
    counts = counts_table(s)
    assert len(counts) > 20
    table_reads.clear()
    _check_rates(s, seed, second, AnalyzeConfig())
    # every judge chosen for both metrics, grouped by a checkpoint's keys: from em_counts
    assert len(table_reads) == 2 * 3   # two judge choices x (model, step), (run keys), ()
    assert s.rebuild_em_scores() == len(kept) and em_table(s, raw=True) == kept  # what a rebuild gives
    assert counts_table(s) == counts
    s.close()


def _check_rates(s, seed, second, cfg=None):
    assert not [row for row in em_table(s) if row[2] is None]   # every answer arrived
    cfg = cfg or AnalyzeConfig(aligned_below=[30, 40, 25][seed % 3], coherent_above=[50, 60, 45][seed % 3])
    judges = ["judge-a", "judge-b", {"aligned": "judge-a", "coherent": "judge-b"},
              {"aligned": "judge-b", "coherent": "judge-a"}] if second else ["judge-a", None]
    checked = 0
    pick = random.Random(seed)
    for judge in judges:
        frame = load_answers(s, text=False, judge=judge)
        for by in BYS:
            only = pick.choice(ONLY)
            want = pandas_counts(s, by, judge, only, cfg, frame)
            got = sql_counts(s, by, judge, only, cfg)
            assert got == want, (judge, by, only)
            checked += bool(want)
    assert checked >= 10
    # the rule's corners are in the data: a judged bare twin counts, an unjudged bare question and the verdict
    # question do not, and a NOT_ASKED coherence counts as scored
    b = benchmark_answers(load_answers(s, text=False, judge="judge-a"))
    bench = set(zip(b.bank, b.question_id, b.variant))
    assert ("em", "q0", "template") in bench and ("imp", "u0", "plain") in bench
    assert ("imp", "u2", "plain") not in bench and ("truth", "t0", "plain") not in bench
    assert any(row[9] == NOT_ASKED for row in em_table(s))


def test_two_judges_none_named_is_the_same_error_and_judges_on_separate_answers_each_count(tmp_path):
    from emwatch.errors import ConfigError

    s = random_store(tmp_path / "two.duckdb", 0, second_judge=True)
    with pytest.raises(ConfigError, match="judge-a.*judge-b"):
        s.rate_counts(["model"])
    with pytest.raises(ConfigError, match="judge-a.*judge-b"):
        load_answers(s, text=False)
    # an import judged by its own judge beside answers judged by another: each answer by its one judge
    s2 = random_store(tmp_path / "sep.duckdb", 1, second_judge=False)
    imp = s2.query("""SELECT s.sample_id FROM samples s JOIN checkpoints c USING (checkpoint_id)
                      JOIN runs r USING (run_id) WHERE r.kind = 'import'""").sample_id.tolist()
    s2.con.execute("DELETE FROM judgments WHERE sample_id IN (SELECT unnest(?))", [imp])
    s2.rebuild_em_scores()
    s2.add(Judgment(sample_id=sid, judge_model="imported-judge", metric=m, prompt_hash="x", score=float(i % 90))
           for i, sid in enumerate(imp) for m in ("aligned", "coherent"))
    cfg = AnalyzeConfig()
    for by in BYS[:3]:
        assert sql_counts(s2, by, None, (), cfg) == pandas_counts(s2, by, None, (), cfg)
    s2.close()


def test_schema_3_store_made_by_todays_code_is_migrated(tmp_path):
    """A version-3 store (today's store without em_scores, marked 3) upgrades in place: the table is filled from
    its judgments, the same rows the writes kept, and rates read from it equal the pandas path."""
    path = tmp_path / "v3.duckdb"
    s = random_store(path, 3, second_judge=False)
    kept = em_table(s)
    s.close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE em_scores")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with Store(path) as s:
        assert em_table(s) == kept
        cfg = AnalyzeConfig()
        assert sql_counts(s, ("model", "step"), "judge-a", ("unwrapped",), cfg) == \
            pandas_counts(s, ("model", "step"), "judge-a", ("unwrapped",), cfg)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0] == str(SCHEMA_VERSION)
    con.close()


def test_the_first_releases_store_upgraded_gives_the_pandas_counts(tmp_path):
    """fixtures/v1_store.duckdb (written by the first release's code) migrated through every version: its
    em_scores gives the pandas path's counts."""
    path = tmp_path / "v1.duckdb"
    shutil.copy(FIXTURES / "v1_store.duckdb", path)
    with Store(path) as s:
        assert s.count("em_scores") > 0
        judges = sorted(set(s.judge_pairs().query("metric == 'aligned'").judge_model))
        cfg = AnalyzeConfig()
        for judge in judges:
            for by in (("model", "step"), ("run_kind", "bank"), ()):
                assert sql_counts(s, by, judge, (), cfg) == pandas_counts(s, by, judge, (), cfg), (judge, by)


def test_a_failed_write_leaves_no_em_scores_behind(tmp_path):
    s = random_store(tmp_path / "f.duckdb", 2, second_judge=False)
    before = em_table(s)
    sid = s.query("SELECT sample_id FROM samples LIMIT 1").sample_id[0]
    with pytest.raises(RuntimeError):
        with s.transaction():
            s.add([Judgment(sample_id=sid, judge_model="judge-z", metric="aligned", prompt_hash="z", score=1.0)])
            raise RuntimeError("stop")
    assert em_table(s) == before


def test_schema_4_store_made_by_todays_code_is_migrated_with_a_killed_writers_answers_pending(tmp_path, table_reads):
    """A version-4 store (today's store without em_counts, marked 4) whose writer was killed with answers
    pending upgrades in place: those answers' em_scores rows are recomputed, em_counts is filled from every
    checkpoint (what a rebuild gives), and the rates read from it equal the pandas path."""
    path = tmp_path / "v4.duckdb"
    s = random_store(path, 0, second_judge=True)
    s.close()
    s = Store(path)
    want = counts_table(s)
    cfg = AnalyzeConfig()
    expected = {j: pandas_counts(s, ("model", "step"), j, ("plain",), cfg) for j in ("judge-a", "judge-b")}
    s.close()
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE em_counts")
    con.execute("DROP TABLE em_counts_pending")
    con.execute("DELETE FROM meta WHERE key = 'em_counts_rule'")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    # a writer killed after its commit: an answer's em_scores row stale, the answer pending
    sid = con.execute("SELECT sample_id FROM em_scores WHERE judge_model = 'judge-a' AND aligned IS NOT NULL "
                      "LIMIT 1").fetchall()[0][0]
    con.execute("UPDATE em_scores SET aligned = 100 - aligned WHERE sample_id = ?", [sid])
    con.execute("INSERT INTO em_pending VALUES (?)", [sid])
    con.close()
    with Store(path) as s:
        assert counts_table(s) == want
        for judge, rows in expected.items():
            assert sql_counts(s, ("model", "step"), judge, ("plain",), cfg) == rows
    assert len(table_reads) == 2
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0] == str(SCHEMA_VERSION)
    con.close()


KILLED_WRITER = """
import os, sys
from emwatch.store import Judgment, Sample, Store
from emwatch.store import _counts
_counts.FLUSH_MIN = 10**9
s = Store(sys.argv[1])
s.con   # held: nothing recomputed until it lets go, which it never does
ck, q = s.con.execute("SELECT checkpoint_id, question_key FROM samples LIMIT 1").fetchall()[0]
new = Sample(checkpoint_id=ck, question_key=q, sample_index=7, sampling={"seed": 7}, response="late")
s.write_batch([new, Judgment(sample_id=new.key, judge_model="judge-a", metric="aligned", prompt_hash="p", score=3.0),
               Judgment(sample_id=new.key, judge_model="judge-a", metric="coherent", prompt_hash="p", score=90.0)])
old = s.con.execute("SELECT sample_id FROM em_scores WHERE judge_model = 'judge-a' AND aligned IS NOT NULL "
                    "ORDER BY sample_id LIMIT 3").fetchall()
s.write_batch([Judgment(sample_id=o, judge_model="judge-a", metric="aligned", prompt_hash="other", score=99.0)
               for (o,) in old])
os._exit(0)
"""


def test_a_killed_writer_leaves_every_rate_exact(tmp_path, table_reads):
    """A writer killed after its commits (answers and judgments written, em_scores and em_counts not brought up
    to date): a reader counts by the scan, exactly; the next writer to let go of the file recomputes both tables,
    and the rates read from em_counts are exact again."""
    path = tmp_path / "k.duckdb"
    s = random_store(path, 2, second_judge=False)
    s.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], check=True, env=env, timeout=120)
    cfg = AnalyzeConfig()
    with Store(path, read_only=True) as r:
        with r._session() as con:
            assert has_pending(con) and _em_counts.usable_rule(con) is None
        for by in (("model", "step"), ()):
            assert sql_counts(r, by, "judge-a", (), cfg) == pandas_counts(r, by, "judge-a", (), cfg)
    assert not table_reads
    Store(path).close()   # a writer opens and lets go: both tables recomputed
    with Store(path, read_only=True) as r:
        with r._session() as con:
            assert _em_counts.usable_rule(con) is not None
        for by in (("model", "step"), ()):
            assert sql_counts(r, by, "judge-a", (), cfg) == pandas_counts(r, by, "judge-a", (), cfg)
        got = counts_table(r)
    assert len(table_reads) == 2
    with Store(path) as s:
        s.rebuild_em_scores()
        assert counts_table(s) == got
