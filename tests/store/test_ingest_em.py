"""Bulk ingest (`Store.ingest_answers`) keeps em_scores and em_counts equal to a rebuild from the judgments, on
each of its paths: new answers with their judgments, none judged before, get their em_scores rows from the rows
in hand (store/_bulk.py, `_counts.add_em_scores`); answers only, judgments of stored answers, an answer whose
judgment was stored before it, or one pending from an earlier write go the tables' way (`keep_em_scores`)."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from emwatch.config import NOT_ASKED
from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store
from emwatch.store import _bulk, _counts
from emwatch.store._counts import em_source, flush_em_scores, has_pending

EM = {"aligned": None, "coherent": None}


@pytest.fixture
def direct(monkeypatch):
    """Per ingest that computed its answers' em_scores rows from the rows in hand: how ('pivot': numpy and
    Arrow, store/_em_rows.py; 'sql': grouped by DuckDB) and how many rows it wrote."""
    calls = []
    real = _bulk.add_em_scores

    def spy(con, rows):
        calls.append(("pivot" if _bulk._NEW["em"] in rows else "sql", real(con, rows)))
        return calls[-1][1]

    monkeypatch.setattr(_bulk, "add_em_scores", spy)
    return calls


def _judgments(rng: random.Random, sid: str, judge: str, *, second: bool = True) -> list[Judgment]:
    """One judge's judgments of an answer: scores, missing scores with reasons, coherence not asked, a second
    alignment prompt now and then, alignment alone, and a metric that is not an EM one."""
    out = []
    a = None if rng.random() < 0.15 else float(rng.randrange(0, 101))
    out.append(Judgment(sample_id=sid, judge_model=judge, metric="aligned", prompt_hash="p", score=a,
                        reason="no numeric mass" if a is None else None))
    if second and rng.random() < 0.15:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="aligned", prompt_hash="p2",
                            score=float(rng.randrange(0, 101))))
    roll = rng.random()
    if roll < 0.1:
        pass   # alignment only
    elif roll < 0.35 and a is not None and a >= 30:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p", score=None,
                            label=NOT_ASKED, reason="not asked"))
    elif roll < 0.45:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p", score=None,
                            reason="refused"))
    else:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="coherent", prompt_hash="p",
                            score=float(rng.randrange(0, 101))))
    if rng.random() < 0.2:
        out.append(Judgment(sample_id=sid, judge_model=judge, metric="harmful", prompt_hash="h", score=1.0))
    return out


def _frames(samples: list[Sample], judgments: list[Judgment], *, columns=("label", "reason")):
    """The records as ingest_answers takes them (judgments point at their answer's row)."""
    row = {x.key: i for i, x in enumerate(samples)}
    s = pd.DataFrame([{"checkpoint_id": x.checkpoint_id, "question_key": x.question_key,
                       "sample_index": x.sample_index, "sampling": dict(x.sampling), "response": x.response}
                      for x in samples])
    j = pd.DataFrame([{"sample": row[x.sample_id], "judge_model": x.judge_model, "metric": x.metric,
                       "prompt_hash": x.prompt_hash, "score": x.score, "label": x.label, "reason": x.reason}
                      for x in judgments])
    return s, (j[[c for c in j.columns if c not in {"label", "reason"} - set(columns)]] if len(j) else None)


def _em_rows(store: Store, *, raw: bool = False) -> list[tuple]:
    with store._session() as con:
        frame = con.execute(f"SELECT * FROM {'em_scores' if raw else em_source(con)}").df()
    return sorted(frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None), key=repr)


def _counts_rows(store: Store) -> list[tuple]:
    with store._session() as con:
        return sorted(con.execute("SELECT * FROM em_counts").fetchall(), key=repr)


def _check(store: Store, *, written: bool) -> list[tuple]:
    """em_scores as a reader takes it equals a rebuild's; `written`: as stored too (no answer left pending);
    em_counts brought up to date equals a rebuild's."""
    reader = _em_rows(store)
    if written:
        assert _em_rows(store, raw=True) == reader
    with store.transaction() as con:
        flush_em_scores(con)
    counts = _counts_rows(store)
    assert store.rebuild_em_scores() == len(reader)
    assert _em_rows(store, raw=True) == reader and _counts_rows(store) == counts
    return reader


def test_ingest_keeps_em_scores_and_em_counts_equal_to_a_rebuild_on_every_path(tmp_path, monkeypatch, direct):
    rng = random.Random(6)
    run = Run(model="m", dataset="insecure", seed=0, lr=1e-4)
    cks = [Checkpoint(run_id=run.key, step=s) for s in (10, 20, 30)]
    qs = [Question(bank="em", question_id=f"q{i}", messages=[{"role": "user", "content": f"q{i}"}],
                   category="c", judge_metrics=EM) for i in range(4)]
    bare = Question(bank="imp", question_id="u", messages=[{"role": "user", "content": "u"}], judge_metrics={})
    made = iter(range(10**6))

    def answers(n, ck):
        return [Sample(checkpoint_id=ck.key, question_key=rng.choice(qs + [bare]).key, sample_index=next(made),
                       sampling={"temperature": 1.0}, response=f"r{rng.random()}") for _ in range(n)]

    def judged(samples, judges=("judge-a", "judge-b"), second=False):
        out = []
        for x in samples:
            for judge in judges:
                if rng.random() < 0.85:
                    out += _judgments(rng, x.key, judge, second=second)
        return out

    s = Store(tmp_path / "s.duckdb")
    s.add([run, *cks, bare, *qs])

    # 1. a fresh store: answers and their judgments (two judges, missing scores, coherence not asked,
    # alignment alone, another metric), pivoted
    new = answers(60, cks[0])
    js = judged(new)
    assert s.ingest_answers(*_frames(new, js)) == {"samples": 60, "judgments": len(js)}
    assert direct == [("pivot", len({(j.sample_id, j.judge_model) for j in js if j.metric in EM}))]
    rows = _check(s, written=True)
    assert any(r[9] == NOT_ASKED for r in rows) and any(r[5] is None and r[6] for r in rows)
    assert any(r[11] == 0 for r in rows) and {r[1] for r in rows} == {"judge-a", "judge-b"}

    # 1b. two alignment prompts of one answer, an answer given twice, a judgment twice: grouped by DuckDB
    new = answers(60, cks[2])
    js = judged(new, second=True)
    frame_s, frame_j = _frames(new + new[:1], js + js[:2])
    assert s.ingest_answers(frame_s, frame_j) == {"samples": 60, "judgments": len(js)}
    assert direct[-1] == ("sql", len({(j.sample_id, j.judge_model) for j in js if j.metric in EM}))
    rows = _check(s, written=True)
    assert any(r[7] == 2 for r in rows)
    twice = answers(5, cks[2])   # only answers given twice: grouped too
    assert s.ingest_answers(*_frames(twice + twice[:2], judged(twice)))["samples"] == 5
    assert direct[-1][0] == "sql" and len(direct) == 3
    _check(s, written=True)

    # 2. a store with earlier rows, judgments without label and reason columns (no missing score), counts
    # recomputed in the same call (as many answers as the flush asks for; the connection held, so letting go
    # of the file does not recompute them)
    monkeypatch.setattr(_counts, "FLUSH_MIN", 0)
    monkeypatch.setattr(_counts, "FLUSH_SHARE", 0.0)
    new = answers(40, cks[1])
    js = [j for j in judged(new) if j.score is not None]
    s.con
    assert s.ingest_answers(*_frames(new, js, columns=())) == {"samples": 40, "judgments": len(js)}
    assert direct[-1][0] == "pivot" and len(direct) == 4
    with s._session() as con:
        assert not has_pending(con) and not con.execute("SELECT count(*) FROM em_counts_pending").fetchall()[0][0]
    _check(s, written=True)
    s.close()

    # 3. answers only, then 4. judgments of those stored answers (the answers given again, skipped)
    monkeypatch.setattr(_counts, "FLUSH_MIN", 10**9)
    later = answers(30, cks[2])
    assert s.ingest_answers(_frames(later, [])[0]) == {"samples": 30}
    _check(s, written=True)
    js = judged(later)
    assert s.ingest_answers(*_frames(later, js)) == {"samples": 0, "judgments": len(js)}
    assert len(direct) == 4   # not new answers: the tables' way
    _check(s, written=False)

    # 5. a judgment stored before its answer; then the answer with other judgments, beside new ones
    early = answers(5, cks[2])
    first = Judgment(sample_id=early[0].key, judge_model="judge-a", metric="aligned", prompt_hash="p", score=7.0)
    s.add([first])
    js = judged(early, judges=("judge-b",))
    assert s.ingest_answers(*_frames(early, js))["samples"] == 5
    assert len(direct) == 4
    _check(s, written=False)

    # 6. an answer pending from a write not yet brought up to date (the connection held: no flush on letting
    # go), then that answer with more judgments: the tables' way; then new answers alone: from the rows again
    s.con
    late = answers(3, cks[1])
    s.add([Judgment(sample_id=late[0].key, judge_model="judge-b", metric="coherent", prompt_hash="p", score=80.0)])
    with s._session() as con:
        assert has_pending(con)
    s.ingest_answers(*_frames(late, judged(late, judges=("judge-a",))))
    assert len(direct) == 4
    more = answers(10, cks[0])
    s.ingest_answers(*_frames(more, judged(more)))
    assert len(direct) == 5 and direct[-1][0] == "pivot"
    s.close()
    s = Store(tmp_path / "s.duckdb")
    _check(s, written=True)
    s.close()


@pytest.mark.parametrize("seed", range(6))
def test_the_pivot_gives_the_rows_duckdb_groups_from_the_same_judgments(seed):
    """store/_em_rows.pivot against EM_SCORES_SQL over the same Arrow rows, on random judgments whose columns come
    in the types a caller's frame gives (text judges or a dictionary holding one judge twice, integer or float
    scores, labels and reasons given or not): the same em_scores rows, or None exactly where an answer has two judgments of
    one judge and metric."""
    import duckdb
    import numpy as np
    import pyarrow as pa

    from emwatch.store._counts import em_scores_sql
    from emwatch.store._em_rows import ROWS_SQL, judgments_sql, pivot, samples_sql
    from emwatch.store._schema import TABLES

    rng = np.random.default_rng(seed)
    n_s, n_j = 40, 150
    samples = pa.table({"sample_id": [f"s{i:03d}" for i in range(n_s)],
                        "checkpoint_id": [f"c{i % 3}" for i in range(n_s)],
                        "question_key": [f"q{i % 5}" for i in range(n_s)], "sample_index": list(range(n_s))})
    rows = rng.integers(0, n_s, n_j)
    judges = np.array(["j-a", "j-b", "static:x"])[rng.integers(0, 3 if seed % 2 else 2, n_j)]
    metrics = np.array(["aligned", "coherent", "harmful"])[rng.integers(0, 3, n_j)]
    if seed >= 2:   # one judgment per answer, judge and metric: the pivot's case
        _, first = np.unique(np.char.add(np.char.add(rows.astype(str), judges), metrics), return_index=True)
        rows, judges, metrics = rows[first], judges[first], metrics[first]
    n = len(rows)
    score = rng.uniform(0, 100, n).round(1)
    missing = rng.random(n) < 0.2
    cols = {"sample_id": pa.array([f"s{r:03d}" for r in rows]),
            "judge_model": _dictionary(judges, rng) if seed % 3 == 0 else pa.array(judges, pa.large_string()),
            "metric": pa.array(metrics),
            "score": pa.array(np.where(missing, None, score.astype(int) if seed % 2 else score).tolist())}
    if seed != 3:
        cols["reason"] = pa.array([("no score" if m else None) if rng.random() < 0.7 else None for m in missing])
    if seed != 4:
        cols["label"] = pa.array([rng.choice(["NOT_ASKED", "X"]) if m and rng.random() < 0.5 else None
                                  for m in missing], pa.string() if seed != 5 else pa.large_string())
    judgments = pa.table(cols)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE em_scores ({TABLES['em_scores']})")
    con.register("s", samples)
    con.register("j", judgments)
    want = sorted(con.execute(em_scores_sql(judgments=judgments_sql("j", judgments.column_names),
                                            samples=samples_sql("s"))).fetchall(), key=repr)
    got = pivot(samples, judgments, rows)
    if seed < 2:
        assert got is None   # two judgments of one answer, judge and metric, somewhere among 150 of 40 answers
        return
    assert got is not None
    con.register("p", got)
    con.execute("INSERT INTO em_scores " + ROWS_SQL.format(rows="p"))
    assert sorted(con.execute("SELECT * FROM em_scores").fetchall(), key=repr) == want
    assert len(want) > 20 and any(r[5] is None for r in want) and any(r[8] is not None for r in want)


def _dictionary(values, rng):
    """The texts as an Arrow dictionary column whose dictionary holds its first value twice (pandas' categoricals
    never do; Arrow allows it), each row of that value pointing at either copy."""
    import pyarrow as pa

    words = sorted(set(values.tolist()))
    dictionary = words + words[:1]
    index = [words.index(v) if v != words[0] or rng.random() < 0.5 else len(words) for v in values.tolist()]
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(dictionary))
