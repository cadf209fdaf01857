"""EM-rate counts aggregated in DuckDB: per group and run, how many benchmark answers were scored, excluded,
misaligned and coherent, so an analysis of a million answers hands pandas a few thousand rows.

Which answers count is the analysis' rule (emwatch.analysis._rates): a benchmark answer is one whose question
declares `aligned` or `coherent`, or that carries an aligned/coherent judgment (a score, or a missing score with
its reason), or whose question (bank, question_id) has such a judgment on any answer. A benchmark answer
without both scores is excluded (counted in `n_excluded`). The misaligned label is `em_label_sql`, declared
once in emwatch.config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emwatch.config import NOT_ASKED, em_label_sql

# grouping key -> its SQL expression over samples s, checkpoints c, runs r, questions q
GROUP_KEYS = {
    "run_id": "r.run_id", "run_kind": "r.kind", "model": "r.model", "dataset": "r.dataset", "seed": "r.seed",
    "lr": "r.lr", "group": "r.group_name", "checkpoint_id": "c.checkpoint_id", "step": "c.step",
    "total_steps": "c.total_steps", "bank": "q.bank", "question_id": "q.question_id", "category": "q.category",
    "variant": "q.variant", "wrapper": "q.wrapper", "paraphrase_index": "q.paraphrase_index",
    "sample_index": "s.sample_index",
}
COUNT_COLUMNS = ["n", "n_excluded", "n_misaligned", "n_coherent", "n_coherence_asked"]
# answer filters a caller may ask for (`only`), applied after the benchmark rule (which looks at every answer)
FILTERS = {"unwrapped": "x._wrapper IS NULL", "plain": "(x._variant IS NULL OR x._variant = 'plain')"}
EM_METRICS = ("aligned", "coherent")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def rate_counts_sql(by: Sequence[str], judges: Mapping[str, str | None] | None, aligned_below: float,
                    coherent_above: float, only: Sequence[str] = ()) -> str:
    """One row per (group of `by`, run): the `by` columns, `run_id` as `unit`, and COUNT_COLUMNS. `judges`:
    {metric: judge} from `store._judges.JudgeChoice.sql()` (None for a metric: each answer's one judge); a
    metric left out takes every judge (only safe where it has one). `only`: names in FILTERS ('unwrapped': no
    adversarial wrapper; 'plain': the plain format or none recorded), applied after the benchmark rule, as
    analysis.select_answers filters load_answers' frame."""
    unknown = [k for k in by if k not in GROUP_KEYS]
    if unknown:
        raise ValueError(f"unknown grouping key(s) {unknown}; choose from {', '.join(GROUP_KEYS)}")
    bad = [f for f in only if f not in FILTERS]
    if bad:
        raise ValueError(f"unknown answer filter(s) {bad}; choose from {', '.join(FILTERS)}")
    judges = dict(judges or {})
    picks = [f"(metric = {_lit(m)}" + (f" AND judge_model = {_lit(j)})" if j is not None else ")")
             for m in EM_METRICS for j in [judges.get(m)]]
    judge_filter = f" AND ({' OR '.join(picks)})"
    keys = ", ".join(f'{GROUP_KEYS[k]} AS "{k}"' for k in by)
    label = em_label_sql("x.a", "x.c", aligned_below=aligned_below, coherent_above=coherent_above)
    # scored: alignment scored, and coherence scored or not asked (judge `coherence: if_unaligned`, counted as
    # not misaligned), as analysis._rates.scored_mask
    scored = f"(x.a IS NOT NULL AND (x.c IS NOT NULL OR coalesce(x.cl = {_lit(NOT_ASKED)}, false)))"
    return f"""
        WITH j AS (
            SELECT sample_id,
                   max(score) FILTER (WHERE metric = 'aligned') AS a,
                   max(score) FILTER (WHERE metric = 'coherent') AS c,
                   max(label) FILTER (WHERE metric = 'coherent') AS cl,
                   bool_or(score IS NOT NULL OR reason IS NOT NULL) AS judged
            FROM judgments WHERE metric IN ('aligned', 'coherent'){judge_filter}
            GROUP BY sample_id),
        qd AS (  -- per question, not per answer: does it declare an EM metric
            SELECT question_key, coalesce(list_has_any(CASE json_type(judge_metrics)
                       WHEN 'OBJECT' THEN json_keys(judge_metrics)
                       WHEN 'ARRAY' THEN from_json(judge_metrics, '["VARCHAR"]')
                       ELSE []::VARCHAR[] END, ['aligned', 'coherent']), false) AS declared
            FROM questions),
        x AS (
            SELECT {keys}{',' if keys else ''} r.run_id AS unit, q.bank AS _bank, q.question_id AS _qid,
                   q.wrapper AS _wrapper, q.variant AS _variant, j.a, j.c, j.cl,
                   coalesce(j.judged, false) AS judged, qd.declared
            FROM samples s JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id)
            JOIN questions q ON q.question_key = s.question_key JOIN qd ON qd.question_key = s.question_key
            LEFT JOIN j ON j.sample_id = s.sample_id),
        qj AS (  -- a question any of whose answers carries an EM judgment
            SELECT _bank, _qid FROM x GROUP BY ALL HAVING bool_or(judged))
        SELECT {''.join(f'x."{k}", ' for k in by)}x.unit,
               count(*) FILTER (WHERE {scored}) AS n,
               count(*) FILTER (WHERE NOT ({scored})) AS n_excluded,
               count(*) FILTER (WHERE {scored} AND coalesce({label}, false)) AS n_misaligned,
               count(*) FILTER (WHERE {scored} AND x.c > {float(coherent_above)!r}) AS n_coherent,
               count(*) FILTER (WHERE {scored} AND x.c IS NOT NULL) AS n_coherence_asked
        FROM x LEFT JOIN qj ON qj._bank = x._bank AND qj._qid = x._qid
        WHERE (x.declared OR x.judged OR qj._qid IS NOT NULL){''.join(f" AND {FILTERS[f]}" for f in only)}
        GROUP BY ALL ORDER BY ALL"""

