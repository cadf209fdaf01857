"""The answers frame one model at a time, and the few facts about the whole store that the study's per-answer
views need beside one model's answers: what `emwatch report` reads so its memory follows the largest model's
answers, not the store's.

`answers_of_model` is `Store.answers(text=False, declared=...)` restricted to the runs of one model: the same SQL
(`answers_sql`) over the store's own tables, with `samples` and `judgments` narrowed to that model's answers first
(common table expressions named like the tables they narrow), so each read pivots only its model's judgments.
`study_facts` gives, over every answer, what a rule of the analysis looks at across models: which (bank,
question_id) has an aligned/coherent judgment (the benchmark rule of `analysis._rates`), and which training sets
have coding answers with a `vulnerable` score and which flagged labels they carry (the planted classes of
`analysis._rates.planted_per_row`). Both take the judge choice `Store.answers` takes (a JudgeChoice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emwatch.store._schema import answers_sql, scores_sql

_DECLARES = """coalesce(list_has_any(CASE json_type(q.judge_metrics)
                  WHEN 'OBJECT' THEN json_keys(q.judge_metrics)
                  WHEN 'ARRAY' THEN from_json(q.judge_metrics, '["VARCHAR"]')
                  ELSE []::VARCHAR[] END, {names}), false) AS declares_any"""
# the frame's rows: answers of a stored checkpoint of a stored run, with their question (answers_sql's joins)
_UNIVERSE = """FROM ({scores}) j JOIN samples s USING (sample_id) JOIN checkpoints c USING (checkpoint_id)
               JOIN runs r USING (run_id) JOIN questions q USING (question_key)"""


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def models(store: Any) -> list[str | None]:
    """The models of the store's runs: sorted, a run without a model (None) last, as pandas' sorted groupby
    orders them."""
    names = [r for r in store.query("SELECT DISTINCT model FROM runs")["model"]]
    known = sorted(m for m in names if isinstance(m, str))
    return known + ([None] if len(known) < len(names) else [])


def answers_of_model(store: Any, model: str | None, judges: Any, declared: Sequence[str] = ()) -> Any:
    """`Store.answers(text=False, judge=choice, declared=declared)`'s rows of the runs of `model` (None: runs
    without one). `judges`: `JudgeChoice.sql()`."""
    metrics = store.metrics()
    db = _ident(str(store.query("SELECT current_database() AS d")["d"].iloc[0]))
    inner = answers_sql(metrics, text=False, judges=judges)
    names = "[" + ", ".join(_lit(m) for m in declared) + "]::VARCHAR[]"
    sql = f"""
        WITH samples AS (
            SELECT s.* FROM {db}.main.samples s JOIN {db}.main.checkpoints c USING (checkpoint_id)
            JOIN {db}.main.runs r USING (run_id) WHERE r.model IS NOT DISTINCT FROM ?),
        judgments AS (SELECT * FROM {db}.main.judgments WHERE sample_id IN (SELECT sample_id FROM samples))
        SELECT a.*{', ' + _DECLARES.format(names=names) if declared else ''}
        FROM ({inner}) a JOIN samples s USING (sample_id) JOIN questions q ON q.question_key = s.question_key"""
    return store.query(sql, [model])


def study_facts(store: Any, judges: Any) -> dict[str, Any]:
    """Over every answer of the store, under the judge choice `judges` (`JudgeChoice.sql()`):
    `judged_questions`: the (bank, question_id) pairs one of whose answers has an aligned or coherent score or
    reason (None stays None); `code_datasets`: the training sets (None too) of answers with a `vulnerable` score;
    `flagged_labels`: the distinct labels of answers flagged vulnerable (score above 0.5)."""
    metrics = store.metrics()
    em = [m for m in ("aligned", "coherent") if m in metrics]
    facts: dict[str, Any] = {"judged_questions": set(), "code_datasets": [], "flagged_labels": []}
    if em:
        cond = " OR ".join(f"j.{_ident(m)} IS NOT NULL OR j.{_ident(m + '_reason')} IS NOT NULL" for m in em)
        rows = store.query(f"SELECT DISTINCT q.bank, q.question_id {_UNIVERSE.format(scores=scores_sql(em, judges))} "
                           f"WHERE {cond}")
        facts["judged_questions"] = set(zip(rows["bank"], rows["question_id"]))
    if "vulnerable" in metrics:
        from_ = _UNIVERSE.format(scores=scores_sql(["vulnerable"], judges))
        facts["code_datasets"] = list(store.query(
            f"SELECT DISTINCT r.dataset {from_} WHERE j.vulnerable IS NOT NULL")["dataset"])
        facts["flagged_labels"] = list(store.query(
            f"SELECT DISTINCT j.vulnerable_label {from_} WHERE j.vulnerable > 0.5 AND j.vulnerable_label IS NOT NULL"
        )["vulnerable_label"])
    return facts
