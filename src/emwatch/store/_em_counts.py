"""EM counts per checkpoint kept at write time (schema version 5): what `Store.rate_counts` reads for the default
label rule, so a rate over a million answers reads a few thousand rows instead of scanning them.

`em_counts` holds, per checkpoint, the counts `_counts.rate_counts_sql` would compute from the answers and
`em_scores`, pooled over the questions that declare an EM metric and split by the answer filters
(`unwrapped`, `plain`):

- a row per (checkpoint, filter flags) with judge NULL: the answers of declared questions (`answers`), judged
  or not (an unjudged benchmark answer still counts as excluded);
- a row per (checkpoint, judge, filter flags): that judge's em_scores rows counted as the rate counts them
  (`n` scored, `n_misaligned`, `n_coherent`, `n_coherence_asked`; `n_judged`; `aligned_n`, `coherent_n`, the
  judgments the judge choice counts);
- for a question declaring no EM metric (or one the store does not hold), a row per (checkpoint, judge,
  question) of its em_scores rows: rare (such a question counts only where some answer of its (bank, id) is
  judged: the benchmark rule of analysis._rates); its answers are counted from `samples` when it counts.

The misaligned and coherent counts are for one label rule, recorded in `meta` (`em_counts_rule`, the defaults of
emwatch.config when the table was built); a rate with other thresholds, grouped by a question's or an answer's
keys, or reading two judges per answer is counted by the scan of em_scores (_counts.py). Exact either way.

Upkeep: a write of answers lists their checkpoints in `em_counts_pending`; a recomputation of em_scores rows lists
the checkpoints of the rows it wrote; the store recomputes the pending checkpoints' rows from `samples` and
em_scores when it recomputes em_scores (_counts.flush_em_scores: at 2% of the table, and when a writer lets go of
the file). A reader uses the table only when nothing is pending (no em_pending, no em_counts_pending, no
em_scores row of an answer not stored), else the scan: so a writer killed between its commit and the
recomputation leaves reads exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emwatch.config import ALIGNED_BELOW, COHERENT_ABOVE, NOT_ASKED, em_label_sql
from emwatch.store._schema import literal

RULE_KEY = "em_counts_rule"
# grouping keys the table answers (a checkpoint's and its run's); the others are counted by the scan
CHECKPOINT_KEYS = frozenset({"run_id", "run_kind", "model", "dataset", "seed", "lr", "group", "checkpoint_id", "step",
                             "total_steps"})
# the answer filters (_counts.FILTERS) as the table's flag columns, over questions q
FLAG_SQL = {"unwrapped": "q.wrapper IS NULL", "plain": "(q.variant IS NULL OR q.variant = 'plain')"}


def rule_text(aligned_below: float, coherent_above: float) -> str:
    return f"aligned<{float(aligned_below)!r},coherent>{float(coherent_above)!r}"


def answer_flags_sql(a: str, c: str, cl: str, aligned_below: float, coherent_above: float) -> dict[str, str]:
    """Per answer (scores a, c and coherent label cl): scored, misaligned, coherent and coherence asked, as SQL
    booleans; the one definition of both the scan (_counts.rate_counts_sql) and this table. Scored: alignment
    scored, and coherence scored or not asked (judge `coherence: if_unaligned`, counted as not misaligned), as
    analysis._rates.scored_mask."""
    label = em_label_sql(a, c, aligned_below=aligned_below, coherent_above=coherent_above)
    return {"sc": f"({a} IS NOT NULL AND ({c} IS NOT NULL OR coalesce({cl} = {literal(NOT_ASKED)}, false)))",
            "mis": f"coalesce({label}, false)", "coh": f"coalesce({c} > {float(coherent_above)!r}, false)",
            "asked": f"{c} IS NOT NULL"}


def counts_sql(cks: str | None, rule: tuple[float, float]) -> str:
    """em_counts' rows of the checkpoints relation `cks` lists (column checkpoint_id), or of every checkpoint."""
    from emwatch.store._counts import QD_SQL

    where_s = f"s.checkpoint_id IN (SELECT checkpoint_id FROM {cks})" if cks else "true"
    where_e = f"e.checkpoint_id IN (SELECT checkpoint_id FROM {cks})" if cks else "e.checkpoint_id IS NOT NULL"
    f = answer_flags_sql("e.aligned", "e.coherent", "e.coherent_label", *rule)
    flags = ", ".join(f"{sql} AS {name}" for name, sql in FLAG_SQL.items())
    return f"""
        WITH qd AS ({QD_SQL})
        SELECT s.checkpoint_id, NULL AS judge_model, NULL AS question_key, {flags}, count(*) AS answers,
               0, 0, 0, 0, 0, 0, 0
        FROM samples s JOIN questions q USING (question_key) JOIN qd USING (question_key)
        WHERE {where_s} AND qd.declared GROUP BY ALL
        UNION ALL
        SELECT e.checkpoint_id, e.judge_model,
               CASE WHEN coalesce(qd.declared, false) THEN NULL ELSE e.question_key END AS question_key, {flags},
               0, count_if({f['sc']}), count_if({f['sc']} AND {f['mis']}), count_if({f['sc']} AND {f['coh']}),
               count_if({f['sc']} AND {f['asked']}), count_if(e.aligned_judged OR e.coherent_judged),
               sum(e.aligned_n), sum(e.coherent_n)
        FROM em_scores e LEFT JOIN questions q USING (question_key) LEFT JOIN qd USING (question_key)
        WHERE {where_e} GROUP BY ALL"""


def _parse_rule(text: str) -> tuple[float, float]:
    """rule_text's (aligned_below, coherent_above)."""
    al, co = text.split(",")
    return float(al.split("<")[1]), float(co.split(">")[1])


def stored_rule(con: Any) -> tuple[float, float] | None:
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [RULE_KEY]).fetchall()
    return _parse_rule(rows[0][0]) if rows else None


def rebuild_em_counts(con: Any, rule: tuple[float, float] = (ALIGNED_BELOW, COHERENT_ABOVE)) -> int:
    """em_counts recomputed for every checkpoint under `rule` (the label's defaults), nothing pending, in the
    caller's transaction (em_scores must be up to date: nothing in em_pending); its rows."""
    con.execute("DELETE FROM em_counts")
    con.execute("DELETE FROM em_counts_pending")
    con.execute(f"INSERT INTO em_counts {counts_sql(None, rule)}")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [RULE_KEY, rule_text(*rule)])
    return int(con.execute("SELECT count(*) FROM em_counts").fetchall()[0][0])


def mark_checkpoints(con: Any, rows: str) -> None:
    """The checkpoints of relation `rows` (a `checkpoint_id` column) pending: their counts change."""
    con.execute(f"INSERT INTO em_counts_pending SELECT DISTINCT checkpoint_id FROM {rows} "
                "WHERE checkpoint_id IS NOT NULL")


def flush_em_counts(con: Any) -> bool:
    """Recompute the rows of the pending checkpoints (em_scores up to date), in the caller's transaction."""
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM em_counts_pending LIMIT 1)").fetchall()[0][0]:
        return False
    rule = stored_rule(con)
    if rule is None:   # never built (cannot happen through the Store): build it whole
        rebuild_em_counts(con)
        return True
    con.execute("CREATE OR REPLACE TEMP TABLE _emwatch_ck_pending AS SELECT DISTINCT checkpoint_id "
                "FROM em_counts_pending")
    try:
        con.execute("DELETE FROM em_counts WHERE checkpoint_id IN (SELECT checkpoint_id FROM _emwatch_ck_pending)")
        con.execute(f"INSERT INTO em_counts {counts_sql('_emwatch_ck_pending', rule)}")
        con.execute("DELETE FROM em_counts_pending")
    finally:
        con.execute("DROP TABLE IF EXISTS _emwatch_ck_pending")
    return True


def _state_sql() -> str:
    from emwatch.store._counts import QD_SQL

    return f"""
        WITH qd AS MATERIALIZED ({QD_SQL})
        SELECT (SELECT count(*) FROM (SELECT 1 FROM em_pending LIMIT 1)),
               (SELECT count(*) FROM (SELECT 1 FROM em_counts_pending LIMIT 1)),
               (SELECT count(*) FROM (SELECT 1 FROM em_scores WHERE checkpoint_id IS NULL LIMIT 1)),
               (SELECT value FROM meta WHERE key = '{RULE_KEY}'),
               -- a question declaring no EM metric judged on some answer, or one sharing its (bank, id) with a
               -- declared question: only then can such questions count (extra_questions)
               (SELECT count(*) FROM (SELECT 1 FROM em_counts WHERE question_key IS NOT NULL LIMIT 1))
               + (SELECT count(*) FROM (SELECT 1 FROM qd d JOIN qd u USING (bank, question_id)
                                        WHERE d.declared AND NOT u.declared LIMIT 1)),
               -- per judge: its aligned and coherent judgments (what the judge choice counts)
               (SELECT list([judge_model, a::VARCHAR, c::VARCHAR] ORDER BY judge_model) FROM (
                    SELECT judge_model, sum(aligned_n) AS a, sum(coherent_n) AS c FROM em_counts
                    WHERE judge_model IS NOT NULL GROUP BY judge_model))"""


class Rule(tuple):
    """The label rule em_counts holds (aligned_below, coherent_above), when a read may use the table; `maybe_extra`:
    questions declaring no EM metric may count (see extra_questions); `judges`: (judge, aligned judgments,
    coherent judgments) per judge, summed from the table (what _counts.em_judge_pairs counts)."""
    maybe_extra: bool = True
    judges: list[tuple[str, int, int]] = []


def usable_rule(con: Any) -> Rule | None:
    """The rule em_counts holds, when a read may use it (nothing pending, every em_scores row of a stored answer);
    None: count by the scan."""
    pending, ck_pending, unattached, rule, maybe_extra, judges = con.execute(_state_sql()).fetchall()[0]
    if pending or ck_pending or unattached or rule is None:
        return None
    out = Rule(_parse_rule(rule))
    out.maybe_extra = bool(maybe_extra)
    out.judges = [(j, int(a), int(c)) for j, a, c in judges or []]
    return out


def table_answers(rule: tuple[float, float] | None, by: Sequence[str], judges: Mapping[str, str | None] | None,
                  aligned_below: float, coherent_above: float) -> str | None:
    """The judge whose em_counts rows answer this rate, or None where the scan must count it."""
    judges = dict(judges or {})
    judge = judges.get("aligned")
    if rule is None or rule != (float(aligned_below), float(coherent_above)) or not set(by) <= CHECKPOINT_KEYS:
        return None
    if judge is None or judges.get("coherent") != judge:
        return None
    return judge


def extra_questions(con: Any, judge: str) -> list[str]:
    """_counts.benchmark_extra from the table: the questions declaring no EM metric whose (bank, id) has an answer
    (of a stored checkpoint and run) judged by `judge`. Undeclared questions' judged answers are in em_counts per
    question; a declared question sharing its (bank, id) with an undeclared one is looked up in em_scores."""
    from emwatch.store._counts import QD_SQL

    qd = con.execute(QD_SQL).fetchall()
    bare = {(b, q) for _, b, q, declared in qd if not declared}
    if not bare:
        return []
    by_key = {k: (b, q) for k, b, q, _ in qd}
    undeclared = sorted(k for k, _, _, declared in qd if not declared)
    twins = sorted(k for k, b, q, declared in qd if declared and (b, q) in bare)
    stored = "checkpoint_id IN (SELECT checkpoint_id FROM checkpoints JOIN runs USING (run_id))"
    judged = {r[0] for r in con.execute(
        f"""SELECT DISTINCT question_key FROM em_counts WHERE judge_model = ? AND n_judged > 0
            AND question_key IN (SELECT unnest(?::VARCHAR[])) AND {stored}""", [judge, undeclared]).fetchall()}
    if twins:
        judged |= {r[0] for r in con.execute(
            f"""SELECT DISTINCT question_key FROM em_scores WHERE judge_model = ? AND (aligned_judged OR coherent_judged)
                AND question_key IN (SELECT unnest(?::VARCHAR[])) AND {stored}""", [judge, twins]).fetchall()}
    qj = {by_key[k] for k in judged}
    return sorted(k for k in undeclared if by_key[k] in qj)


def table_counts_sql(by: Sequence[str], only: Sequence[str], extra: bool) -> str:
    """_counts.rate_counts_sql's rows from em_counts (grouping keys of CHECKPOINT_KEYS only). Parameters: the
    judge, then (`extra`) the questions declaring no metric that count, twice."""
    from emwatch.store._counts import GROUP_KEYS

    keys = "".join(f'{GROUP_KEYS[k]} AS "{k}", ' for k in by)
    outer = "".join(f'"{k}", ' for k in by)
    flags = "".join(f" AND {f}" for f in only)
    qflags = "".join(f" AND {FLAG_SQL[f]}" for f in only)
    cols = "answers, n, n_misaligned, n_coherent, n_coherence_asked"
    parts = [f"""SELECT checkpoint_id, {cols} FROM em_counts
                 WHERE question_key IS NULL AND (judge_model IS NULL OR judge_model = $judge){flags}"""]
    if extra:
        parts.append(f"""SELECT checkpoint_id, 0, n, n_misaligned, n_coherent, n_coherence_asked FROM em_counts
                         WHERE judge_model = $judge AND question_key IN (SELECT unnest($extra::VARCHAR[])){flags}""")
        parts.append(f"""SELECT checkpoint_id, count(*), 0, 0, 0, 0 FROM samples
                         WHERE question_key IN (SELECT q.question_key FROM questions q
                                                WHERE q.question_key IN (SELECT unnest($extra::VARCHAR[])){qflags})
                         GROUP BY checkpoint_id""")
    body = "\n UNION ALL ".join(parts)
    return f"""
        SELECT {keys}r.run_id AS unit, sum(x.n)::BIGINT AS n, (sum(x.answers) - sum(x.n))::BIGINT AS n_excluded,
               sum(x.n_misaligned)::BIGINT AS n_misaligned, sum(x.n_coherent)::BIGINT AS n_coherent,
               sum(x.n_coherence_asked)::BIGINT AS n_coherence_asked
        FROM ({body}) x JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id)
        GROUP BY ALL ORDER BY {outer}unit"""


def table_rate_counts(con: Any, by: Sequence[str], judge: str, only: Sequence[str], *,
                      maybe_extra: bool = True) -> Any:
    """The rate counts from em_counts, as a DataFrame (the columns and order of _counts.rate_counts).
    `maybe_extra` False: no question declaring no EM metric can count (Rule.maybe_extra), none looked up."""
    extra = extra_questions(con, judge) if maybe_extra else []
    params: dict[str, Any] = {"judge": judge}
    if extra:
        params["extra"] = extra
    return con.execute(table_counts_sql(by, only, bool(extra)), params).df()
