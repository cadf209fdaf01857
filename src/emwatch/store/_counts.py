"""EM-rate counts aggregated in DuckDB: per group and run, how many benchmark answers were scored, excluded,
misaligned and coherent, so an analysis of a million answers hands pandas a few thousand rows.

Which answers count is the analysis' rule (emwatch.analysis._rates): a benchmark answer is one whose question
declares `aligned` or `coherent`, or that carries an aligned/coherent judgment (a score, or a missing score with
its reason), or whose question (bank, question_id) has such a judgment on any answer. A benchmark answer
without both scores is excluded (counted in `n_excluded`). The misaligned label is `em_label_sql`, declared
once in emwatch.config.

Where `em_counts` (schema version 5: the counts themselves per checkpoint, for the default label rule) answers a
rate, it is read instead (store/_em_counts.py: grouping by a checkpoint's or run's keys, one judge for both
metrics, nothing pending); otherwise the counts are computed here from the `em_scores` table (schema version 4),
not the judgments: one row per answer and judge with
that judge's aligned and coherent scores side by side and the answer's checkpoint, question and index, so a rate
is one scan and group-by of it, where pairing two million judgments with a million answers by id and pivoting
them per answer took most of the time. Every row is recomputed from the judgments of its answer, never patched:
a judgment replaced, re-keyed or stored twice leaves the same row as a store built from scratch
(`EM_SCORES_SQL` over every judgment, what the migration from version 3 runs).

Keeping it costs a write no scan of the big tables: the transaction that writes aligned/coherent judgments
appends their answers' ids to `em_pending`; the answers pending are recomputed together (`flush_em_scores`: three
scans of the tables, whatever their number) when they pass FLUSH_SHARE of the table (at least FLUSH_MIN), and
when a writer lets go of the file (Store, on closing its connection), so a reader, who can open the file only
then, finds none pending. Should some be (a writer killed between its commit and its flush), `em_source` reads
their rows from their judgments instead: a read is exact either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from emwatch.store._em_counts import (FLAG_SQL, answer_flags_sql, flush_em_counts, mark_checkpoints,
                                      rebuild_em_counts, table_answers, table_rate_counts, usable_rule)
from emwatch.store._judges import EM_METRICS
from emwatch.store._schema import literal

# grouping key -> its SQL expression over answers s (checkpoint_id, question_key, sample_index), checkpoints c,
# runs r, questions q
GROUP_KEYS = {
    "run_id": "r.run_id", "run_kind": "r.kind", "model": "r.model", "dataset": "r.dataset", "seed": "r.seed",
    "lr": "r.lr", "group": "r.group_name", "checkpoint_id": "c.checkpoint_id", "step": "c.step",
    "total_steps": "c.total_steps", "bank": "q.bank", "question_id": "q.question_id", "category": "q.category",
    "variant": "q.variant", "wrapper": "q.wrapper", "paraphrase_index": "q.paraphrase_index",
    "sample_index": "s.sample_index",
}
COUNT_COLUMNS = ["n", "n_excluded", "n_misaligned", "n_coherent", "n_coherence_asked"]
# answer filters a caller may ask for (`only`), applied after the benchmark rule (which looks at every answer)
FILTERS = FLAG_SQL

# em_scores rows of the answers whose ids are in relation `{ids}` (a table or view with a `sample_id` column;
# '' for every answer), computed from their judgments and their answer (NULL checkpoint while it is not stored);
# `{judgments}` and `{samples}`: the tables, or (add_em_scores) the rows of one write
EM_SCORES_SQL = """
    SELECT j.sample_id, j.judge_model, any_value(s.checkpoint_id) AS checkpoint_id,
           any_value(s.question_key) AS question_key, any_value(s.sample_index) AS sample_index,
           max(j.score) FILTER (WHERE j.metric = 'aligned'),
           coalesce(bool_or(j.score IS NOT NULL OR j.reason IS NOT NULL) FILTER (WHERE j.metric = 'aligned'), false),
           count(*) FILTER (WHERE j.metric = 'aligned'),
           max(j.score) FILTER (WHERE j.metric = 'coherent'),
           max(j.label) FILTER (WHERE j.metric = 'coherent'),
           coalesce(bool_or(j.score IS NOT NULL OR j.reason IS NOT NULL) FILTER (WHERE j.metric = 'coherent'), false),
           count(*) FILTER (WHERE j.metric = 'coherent')
    FROM (SELECT sample_id, judge_model, metric, score, label, reason FROM {judgments}
          WHERE metric IN ('aligned', 'coherent'){ids_filter}) j
    LEFT JOIN (SELECT sample_id, checkpoint_id, question_key, sample_index FROM {samples}{ids_where}) s
           ON s.sample_id = j.sample_id
    GROUP BY j.sample_id, j.judge_model"""


def em_scores_sql(ids: str | None = None, *, judgments: str = "judgments", samples: str = "samples") -> str:
    """The em_scores rows of every answer (`ids` None) or of the answers whose ids relation `ids` lists, from
    the judgments and answers relations `judgments` and `samples` (the tables unless told)."""
    if ids is None:
        return EM_SCORES_SQL.format(ids_filter="", ids_where="", judgments=judgments, samples=samples)
    sub = f"sample_id IN (SELECT sample_id FROM {ids})"
    return EM_SCORES_SQL.format(ids_filter=f" AND {sub}", ids_where=f" WHERE {sub}", judgments=judgments,
                                samples=samples)


def refresh_em_scores(con, ids: str) -> None:
    """Recompute the em_scores rows of the answers listed by relation `ids` (column `sample_id`) from their
    judgments, inside the caller's transaction: their old rows go, the rows their judgments give now come in,
    and their checkpoints' em_counts are pending (an answer's checkpoint does not change: an old row was of the
    same checkpoint, or of none while the answer was not stored; rekey_runs marks the checkpoints it empties)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _emwatch_em_new AS {em_scores_sql(ids)}")
    try:
        con.execute(f"DELETE FROM em_scores WHERE sample_id IN (SELECT sample_id FROM {ids})")
        con.execute("INSERT INTO em_scores SELECT * FROM _emwatch_em_new")
        mark_checkpoints(con, "_emwatch_em_new")
    finally:
        con.execute("DROP TABLE IF EXISTS _emwatch_em_new")


# a commit recomputes the answers pending once they pass this share of em_scores' rows (and this many): a
# recomputation scans the tables once whatever its size, so its cost per answer stays flat as the store grows
FLUSH_SHARE = 0.02
FLUSH_MIN = 5000


def has_pending(con: Any) -> bool:
    return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM em_pending LIMIT 1)").fetchall()[0][0])


def has_any_pending(con: Any) -> bool:
    """Answers whose em_scores rows, or checkpoints whose em_counts rows, are to be recomputed."""
    return bool(con.execute("SELECT (SELECT count(*) FROM (SELECT 1 FROM em_pending LIMIT 1)) + "
                            "(SELECT count(*) FROM (SELECT 1 FROM em_counts_pending LIMIT 1))").fetchall()[0][0])


def flush_em_scores(con: Any, *, force: bool = True) -> bool:
    """Recompute the rows of the answers pending and empty `em_pending`, then the em_counts rows of the checkpoints
    pending (_em_counts.py), in the caller's transaction. Without `force`, only when the answers pending pass
    FLUSH_SHARE of the table's rows (at least FLUSH_MIN). Whether it ran."""
    if not force:
        if not _flush_due(con):
            return False
    elif not has_any_pending(con):
        return False
    if has_pending(con):
        refresh_em_scores(con, "em_pending")
        con.execute("DELETE FROM em_pending")
    flush_em_counts(con)
    return True


def _flush_due(con: Any, written: int = 0) -> bool:
    """Whether the answers pending (and the `written` rows add_em_scores just wrote, counted as answers) pass
    FLUSH_SHARE of em_scores' rows before them (at least FLUSH_MIN)."""
    pending, size = con.execute(
        "SELECT (SELECT count(*) FROM em_pending), "
        "(SELECT estimated_size FROM duckdb_tables() WHERE table_name = 'em_scores')").fetchall()[0]
    return pending + written > max(FLUSH_MIN, FLUSH_SHARE * ((size or 0) - written))


def em_source(con: Any) -> str:
    """What a read takes as em_scores: the table, or, while answers are pending, the table without their rows
    and their rows computed from their judgments."""
    if not has_pending(con):
        return "em_scores"
    return (f"(SELECT * FROM em_scores WHERE sample_id NOT IN (SELECT sample_id FROM em_pending) "
            f"UNION ALL {em_scores_sql('em_pending')})")


def keep_em_scores(con: Any, rows: str) -> None:
    """After a write of judgments (relation `rows`, in the writer's transaction): the answers it holds an
    aligned/coherent judgment of are pending; recomputed now if enough are."""
    added = con.execute(f"INSERT INTO em_pending SELECT DISTINCT sample_id FROM {rows} "
                        "WHERE metric IN ('aligned', 'coherent')").fetchall()[0][0]
    if added:
        flush_em_scores(con, force=False)


def attach_em_scores(con: Any, rows: str) -> None:
    """After a write of answers (relation `rows`): em_scores rows written before their answer (a judgment stored
    without its answer) get its checkpoint, question and index. Such rows are rare, and the look for them reads
    only the column's statistics where there are none."""
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM em_scores WHERE checkpoint_id IS NULL LIMIT 1)"
                   ).fetchall()[0][0]:
        con.execute(attach_answers_sql(rows))


def none_judged(con: Any, ids: str) -> bool:
    """Whether no aligned/coherent judgment is stored of the answers relation `ids` lists (column `sample_id`),
    none of which is stored (the caller wrote them as new rows). Every write through the Store leaves each
    such judgment's answer in em_scores or em_pending, and an em_scores row of an answer not stored has no
    checkpoint; so: no row without a checkpoint (the column's statistics tell, where there is none) and none
    of these answers pending (em_pending is small). Judgments written with SQL are rebuild_em_scores' case."""
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM em_scores WHERE checkpoint_id IS NULL LIMIT 1)"
                   ).fetchall()[0][0]:
        return False
    if not has_pending(con):
        return True
    return not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM em_pending WHERE sample_id IN "
                           f"(SELECT sample_id FROM {ids}) LIMIT 1)").fetchall()[0][0]


def add_em_scores(con: Any, rows: str) -> int:
    """After a write of new answers and judgments of them only, where no other aligned/coherent judgment of them
    is stored (`none_judged`): their em_scores rows, the query `rows` (computed from the rows written, not read
    back from the tables: store/_em_rows.py), written in the writer's transaction. The caller marks the
    answers' checkpoints (their em_counts change); those are recomputed now if enough answers are pending or
    written, as keep_em_scores would. The rows written."""
    written = int(con.execute(f"INSERT INTO em_scores {rows}").fetchall()[0][0])
    if written and _flush_due(con, written):
        flush_em_scores(con)
    return written


def rebuild_em_scores(con: Any) -> int:
    """em_scores recomputed from every judgment, and em_counts from it, nothing pending (in the caller's
    transaction); em_scores' rows."""
    con.execute("DELETE FROM em_scores")
    con.execute("DELETE FROM em_pending")
    con.execute(f"INSERT INTO em_scores {em_scores_sql()}")
    rebuild_em_counts(con)
    return int(con.execute("SELECT count(*) FROM em_scores").fetchall()[0][0])


def flush_on_close(con: Any) -> None:
    """A writer letting go of the file: the answers pending recomputed in one transaction. Should that fail,
    they stay pending (every read stays exact)."""
    import duckdb

    try:
        if has_any_pending(con):
            con.execute("BEGIN TRANSACTION")
            try:
                flush_em_scores(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    except duckdb.Error:
        pass


def attach_answers_sql(ids: str) -> str:
    """Fill the answer's checkpoint, question and index into em_scores rows written before their answer (a
    judgment stored without its answer, then the answer) for the answers relation `ids` lists."""
    return f"""UPDATE em_scores SET checkpoint_id = s.checkpoint_id, question_key = s.question_key,
                      sample_index = s.sample_index
               FROM (SELECT sample_id, checkpoint_id, question_key, sample_index FROM samples
                     WHERE sample_id IN (SELECT sample_id FROM {ids})) s
               WHERE em_scores.checkpoint_id IS NULL AND em_scores.sample_id = s.sample_id"""


# QD: per question (not per answer), whether it declares an EM metric
QD_SQL = """
    SELECT question_key, bank, question_id, coalesce(list_has_any(CASE json_type(judge_metrics)
               WHEN 'OBJECT' THEN json_keys(judge_metrics)
               WHEN 'ARRAY' THEN from_json(judge_metrics, '["VARCHAR"]')
               ELSE []::VARCHAR[] END, ['aligned', 'coherent']), false) AS declared
    FROM questions"""
# Per judge (static analysers too): its aligned and coherent judgments (Store's choice of judge reads it)
EM_JUDGE_COUNTS_SQL = """
    SELECT judge_model, sum(aligned_n)::BIGINT AS aligned_n, sum(coherent_n)::BIGINT AS coherent_n FROM {em} e
    GROUP BY judge_model ORDER BY judge_model"""
EM_JUDGE_SHARED_SQL = """
    WITH j AS (SELECT sample_id, judge_model, 'aligned' AS metric FROM {em} e
               WHERE aligned_n > 0 AND NOT starts_with(judge_model, 'static:')
               UNION ALL
               SELECT sample_id, judge_model, 'coherent' AS metric FROM {em} e
               WHERE coherent_n > 0 AND NOT starts_with(judge_model, 'static:')),
         j2 AS (SELECT * FROM j WHERE list_contains(?, metric)),
         shared AS (SELECT sample_id, metric FROM j2 GROUP BY sample_id, metric HAVING count(*) > 1)
    SELECT j2.judge_model, j2.metric, count(*) AS n, count(shared.sample_id) AS n_shared
    FROM j2 LEFT JOIN shared USING (sample_id, metric)
    GROUP BY j2.judge_model, j2.metric ORDER BY j2.metric, j2.judge_model"""


def em_judge_pairs(con: Any, judge: Any, configured: Any, judge_pairs: Callable[[], Any], *,
                   counted: Sequence[tuple[str, int, int]] | None = None) -> Any:
    """Store.judge_pairs' rows of the EM metrics (aligned, coherent), read from em_scores: what choosing the
    judge of a rate needs. A named judge (or a config's) that judged none of them: `judge_pairs()` (every
    metric's rows), so the choice and its errors are judge_pairs' own. Other metrics do not enter an EM rate:
    two judges of, say, 'harmful' with none named do not stop it (they stop Store.answers, which reads every
    metric). `counted`: (judge, aligned judgments, coherent judgments) per judge as em_counts sums them
    (_em_counts.usable_rule, where the table may be read: it then holds every em_scores row), in place of a scan
    of em_scores."""
    import pandas as pd

    from emwatch.store._judges import is_static, parse_judge

    em = "em_scores" if counted is not None else em_source(con)
    if counted is None:
        counted = con.execute(EM_JUDGE_COUNTS_SQL.format(em=em)).fetchall()
    rows = [(j, m, int(n)) for j, a_n, c_n in counted
            for m, n in zip(EM_METRICS, (a_n, c_n)) if n and not is_static(j)]
    named = parse_judge(judge)
    if named is None:
        named = parse_judge(configured)
    have = {(j, m) for j, m, _ in rows}
    if isinstance(named, str) and named not in {j for j, _ in have} or isinstance(named, dict) and any(
            m not in EM_METRICS or (n, m) not in have for m, n in named.items()):
        return judge_pairs()
    judges_of = {m: sum(1 for _, mm, _ in rows if mm == m) for m in EM_METRICS}
    multi = sorted(m for m, k in judges_of.items() if k > 1)
    single = [(j, m, n, 0) for j, m, n in rows if m not in multi]
    shared = con.execute(EM_JUDGE_SHARED_SQL.format(em=em), [multi]).fetchall() if multi else []
    return pd.DataFrame(single + [tuple(r) for r in shared], columns=["judge_model", "metric", "n", "n_shared"])


def _answer_values_sql(judges: Mapping[str, str | None] | None, em: str = "em_scores") -> str:
    """Per answer (with a stored checkpoint) under the judge choice: checkpoint_id, question_key, sample_index,
    a (aligned score), c (coherent score), cl (coherent label) and `judged` (an EM judgment with a score or the
    reason for its missing score): the pivot of the old query, read from em_scores. `judges`: as
    rate_counts_sql's; a metric left out or None takes every judge (each answer having one)."""
    judges = dict(judges or {})
    named = {m: judges.get(m) for m in EM_METRICS}
    match = {m: f"judge_model = {literal(j)}" if j is not None else "true" for m, j in named.items()}
    if named["aligned"] is not None and named["aligned"] == named["coherent"]:
        # one judge for both metrics: its row holds the answer's values, no pivot
        return f"""SELECT checkpoint_id, question_key, sample_index, aligned AS a, coherent AS c,
                          coherent_label AS cl, aligned_judged OR coherent_judged AS judged
                   FROM {em} e WHERE {match['aligned']} AND checkpoint_id IS NOT NULL"""
    ma, mc = match["aligned"], match["coherent"]   # each metric from its own judge's row
    return f"""SELECT any_value(checkpoint_id) AS checkpoint_id, any_value(question_key) AS question_key,
                      any_value(sample_index) AS sample_index,
                      max(aligned) FILTER (WHERE {ma}) AS a, max(coherent) FILTER (WHERE {mc}) AS c,
                      max(coherent_label) FILTER (WHERE {mc}) AS cl,
                      bool_or(({ma} AND aligned_judged) OR ({mc} AND coherent_judged)) AS judged
               FROM {em} e WHERE ({ma} OR {mc}) AND checkpoint_id IS NOT NULL GROUP BY sample_id"""


def check_grouping(by: Sequence[str], only: Sequence[str]) -> None:
    """ValueError naming a grouping key or answer filter that rate counts do not know."""
    unknown = [k for k in by if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"unknown grouping key(s) {unknown}; choose from {', '.join(GROUP_KEYS)}")
    bad = [f for f in only if f not in FILTERS]
    if bad:
        raise ValueError(f"unknown answer filter(s) {bad}; choose from {', '.join(FILTERS)}")


def benchmark_extra(con: Any, judges: Mapping[str, str | None] | None, em: str = "em_scores") -> list[str]:
    """The questions declaring no EM metric that are benchmark questions all the same: of a (bank, question_id)
    one of whose answers (of a stored checkpoint and run) carries an EM judgment under the judge choice. Three
    small steps, so a store whose such questions were never judged (every study's) pays one scan: the questions
    with a judged answer; those sharing a (bank, id) with a question declaring none (usually none); only for
    them, the answers' checkpoints and runs looked up."""
    x = _answer_values_sql(judges, em)
    judged = [r[0] for r in con.execute(f"SELECT DISTINCT question_key FROM ({x}) x WHERE judged").fetchall()]
    if not judged:
        return []
    qd = con.execute(QD_SQL).fetchall()
    bare = {(b, q) for _, b, q, declared in qd if not declared}
    by_key = {k: (b, q) for k, b, q, _ in qd}
    candidates = sorted(k for k in judged if by_key.get(k) in bare)
    if not candidates:
        return []
    stored = con.execute(f"""SELECT DISTINCT question_key FROM ({x}) x
                             WHERE judged AND question_key IN (SELECT unnest(?::VARCHAR[]))
                             AND checkpoint_id IN (SELECT checkpoint_id FROM checkpoints JOIN runs USING (run_id))""",
                         [candidates]).fetchall()
    qj = {by_key[r[0]] for r in stored}
    return sorted(k for k, b, q, declared in qd if not declared and (b, q) in qj)


def rate_counts(con: Any, by: Sequence[str], judges: Mapping[str, str | None] | None, aligned_below: float,
                coherent_above: float, only: Sequence[str] = (), *, rule: Any = False) -> Any:
    """rate_counts_sql's rows as a DataFrame, on connection `con` (its parameter from benchmark_extra); read from
    em_counts where it answers them (one judge of both metrics, the rule it holds, a checkpoint's keys:
    _em_counts.py), else counted by the scan of em_scores. `rule`: _em_counts.usable_rule(con) when the caller
    has it (False: looked up here)."""
    if rule is False:
        rule = usable_rule(con)
    judge = table_answers(rule, by, judges, aligned_below, coherent_above)
    if judge is not None:
        check_grouping(by, only)
        return table_rate_counts(con, list(by), judge, list(only), maybe_extra=rule.maybe_extra)
    em = em_source(con)
    sql = rate_counts_sql(by, judges, aligned_below, coherent_above, only, em=em)
    return con.execute(sql, [benchmark_extra(con, judges, em)]).df()


def rate_counts_sql(by: Sequence[str], judges: Mapping[str, str | None] | None, aligned_below: float,
                    coherent_above: float, only: Sequence[str] = (), *, em: str = "em_scores") -> str:
    """One row per (group of `by`, run): the `by` columns, `run_id` as `unit`, and COUNT_COLUMNS. One parameter:
    the questions declaring no EM metric that count all the same (`benchmark_extra`, a list of keys). `judges`: {metric: judge}
    from `store._judges.JudgeChoice.sql()` (None for a metric: each answer's one judge); a metric left out
    takes every judge (only safe where it has one). `only`: names in FILTERS ('unwrapped': no adversarial
    wrapper; 'plain': the plain format or none recorded), applied after the benchmark rule (through the
    questions, as analysis.select_answers filters load_answers' frame)."""
    check_grouping(by, only)
    # two stages: the answers (a million rows) counted per checkpoint (and the question or index keys asked
    # for), then those few thousand rows joined with checkpoints and runs: a join of every answer costs more
    # than counting it
    inner = [k for k in by if GROUP_KEYS[k].startswith(("q.", "s."))]
    first = "".join(f'{GROUP_KEYS[k]} AS "{k}", ' for k in inner)
    keys = "".join((f's."{k}"' if k in inner else GROUP_KEYS[k]) + f' AS "{k}", ' for k in by)
    outer = "".join(f'"{k}", ' for k in by)
    qjoin = " JOIN questions q USING (question_key)" if any(GROUP_KEYS[k].startswith("q.") for k in inner) else ""
    f = answer_flags_sql("s.a", "s.c", "s.cl", aligned_below, coherent_above)   # scored, misaligned, ...
    runs = "JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id)"
    where = "".join(f" AND {FILTERS[f]}" for f in only)
    return f"""
        WITH qd AS ({QD_SQL}),
        bq AS (  -- the benchmark questions: declared, or of a (bank, id) judged on some answer; less `only`'s
            SELECT question_key FROM qd JOIN questions q USING (question_key)
            WHERE (qd.declared OR question_key IN (SELECT unnest(?::VARCHAR[]))){where}),
        a1 AS (  -- every benchmark answer, judged or not
            SELECT s.checkpoint_id, {first}count(*) AS answers FROM samples s{qjoin}
            WHERE s.question_key IN (SELECT question_key FROM bq) GROUP BY ALL),
        x1 AS (  -- each answer's flags computed once, then counted
            SELECT checkpoint_id, {''.join(f'"{k}", ' for k in inner)}count_if(sc) AS n,
                   count_if(sc AND mis) AS n_misaligned, count_if(sc AND coh) AS n_coherent,
                   count_if(sc AND asked) AS n_coherence_asked
            FROM (SELECT s.checkpoint_id, {first}{f['sc']} AS sc, {f['mis']} AS mis, {f['coh']} AS coh,
                         {f['asked']} AS asked
                  FROM ({_answer_values_sql(judges, em)}) s{qjoin}
                  WHERE s.question_key IN (SELECT question_key FROM bq))
            GROUP BY ALL),
        counts AS (
            SELECT {keys}r.run_id AS unit, s.answers, 0 AS n, 0 AS n_misaligned, 0 AS n_coherent,
                   0 AS n_coherence_asked
            FROM a1 s {runs}
            UNION ALL
            SELECT {keys}r.run_id AS unit, 0 AS answers, s.n, s.n_misaligned, s.n_coherent, s.n_coherence_asked
            FROM x1 s {runs})
        SELECT {outer}unit, sum(n)::BIGINT AS n, (sum(answers) - sum(n))::BIGINT AS n_excluded,
               sum(n_misaligned)::BIGINT AS n_misaligned, sum(n_coherent)::BIGINT AS n_coherent,
               sum(n_coherence_asked)::BIGINT AS n_coherence_asked
        FROM counts GROUP BY ALL ORDER BY ALL"""
