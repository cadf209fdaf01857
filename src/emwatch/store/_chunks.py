"""The answers frame one model at a time, and the few facts about the whole store that the study's per-answer
views need beside one model's answers: what `emwatch report` reads so its memory follows the largest model's
answers, not the store's.

`model_answers_sql` is `Store.answers(text=False)` restricted to the runs of one model, with `is_benchmark`: the
same SQL (`answers_sql`) over the store's own tables, with `samples` and `judgments` narrowed to that model's
answers first (common table expressions named like the tables they narrow), so each read pivots only its
model's judgments, read through Arrow (`read_table`, `frame_of`, `lean_frame`). `study_facts` gives, over every
answer, what a rule of the analysis looks at across models: which (bank, question_id) has an aligned/coherent
judgment (the benchmark rule of `analysis._rates`; read from em_scores), and which training sets have coding
answers with a `vulnerable` score and which flagged labels they carry (the planted classes of
`analysis._rates.planted_per_row`). Both take the judge choice `Store.answers` takes (`JudgeChoice.sql()`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emwatch.store._counts import QD_SQL
from emwatch.store._schema import answers_sql, literal, quote, scores_sql

# the frame's rows: answers of a stored checkpoint of a stored run, with their question (answers_sql's joins)
_UNIVERSE = """FROM ({scores}) j JOIN samples s USING (sample_id) JOIN checkpoints c USING (checkpoint_id)
               JOIN runs r USING (run_id) JOIN questions q USING (question_key)"""


def models(store: Any) -> list[str | None]:
    """The models of the store's runs: sorted, a run without a model (None) last, as pandas' sorted groupby
    orders them."""
    names = [r for r in store.query("SELECT DISTINCT model FROM runs")["model"]]
    known = sorted(m for m in names if isinstance(m, str))
    return known + ([None] if len(known) < len(names) else [])


def model_answers_sql(store: Any, judges: Any) -> str:
    """The SQL of `Store.answers(text=False, judge=choice)`'s rows of the runs of one model (parameters: the model,
    None for runs without one, and the benchmark's question keys from `benchmark_questions`), with `is_benchmark`:
    the answer's question is one of them. `judges`: `JudgeChoice.sql()`. Run with `read_table` on a connection of
    its own, e.g. a cursor in another thread (tables named with the store's database, so a cursor reads the same
    file); `frame_of` makes the frame, in sample-id order."""
    metrics = store.metrics()
    db = quote(str(store.query("SELECT current_database() AS d")["d"].iloc[0]))
    inner = answers_sql(metrics, text=False, judges=judges)
    return f"""
        WITH samples AS (
            SELECT s.sample_id, s.checkpoint_id, s.question_key, s.sample_index FROM {db}.main.samples s
            WHERE s.checkpoint_id IN (SELECT c.checkpoint_id FROM {db}.main.checkpoints c JOIN {db}.main.runs r
                                      USING (run_id) WHERE r.model IS NOT DISTINCT FROM ?)),
        judgments AS (SELECT sample_id, judge_model, metric, score, label, reason FROM {db}.main.judgments
                      WHERE sample_id IN (SELECT sample_id FROM samples))
        SELECT a.*, s.question_key IN (SELECT unnest(?::VARCHAR[])) AS is_benchmark
        FROM ({inner}) a JOIN samples s USING (sample_id)"""


def read_table(con: Any, sql: str, model: str | None, benchmark: Sequence[str]) -> Any:
    """One model's answers (`model_answers_sql` run on `con`) as an Arrow table, so that no Python string is made
    per cell; DuckDB lets go of the GIL while it reads, so on a cursor in a thread this overlaps the analysis of
    the model before. It pickles as its buffers (the report sends it to its helper process, analysis._helper);
    its rows in the order DuckDB's threads give them (`frame_of` makes the frame, in sample-id order)."""
    return con.sql(sql, params=[model, list(benchmark)]).to_arrow_table()


def frame_of(table: Any) -> Any:
    """`lean_frame(table)` in sample-id order, then Arrow's freed memory handed back to the system (its allocator
    keeps freed memory for reuse: a model's table would otherwise stay in the process's memory beside the next
    frames).

    The order is made here, not by the SQL: an `ORDER BY sample_id` makes DuckDB sort every column of the row
    (1.5 s of a 633k-answer model's 3.5 s read), where Arrow sorts the one key column (0.2 s) and each column
    is put in that order as it is made (`lean_frame`'s `order`: a gather of numbers or of object pointers).
    Sample ids are unique, and Arrow compares strings byte by byte as DuckDB does: the same order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    order = None
    if "sample_id" in table.column_names and len(table) > 1:
        order = pc.sort_indices(table, sort_keys=[("sample_id", "ascending")]).to_numpy()
    frame = lean_frame(table, order=order)
    del table
    pa.default_memory_pool().release_unused()
    return frame


def lean_frame(table: Any, unique: Sequence[str] = ("sample_id",), order: Any = None) -> Any:
    """An Arrow table as the DataFrame DuckDB's `.df()` gives (ints and booleans with a null as pandas' nullable
    types, without one as NumPy's; doubles with NaN), except text: Python objects, one per distinct value shared
    by its cells (None where missing), made from the column's dictionary. A million answers' model, run and
    label columns cost pointers, not a million strings each. A column of `unique` (the answer's key: a value per
    row) is made directly, without the dictionary (0.05 s instead of 0.3 s for 633k answers). `order` (row
    positions, e.g. Arrow's `sort_indices`): the frame's rows are the table's in that order, each column
    gathered once as it is made."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def put(values: Any) -> Any:   # a NumPy column in `order`
        return values if order is None else values[order]

    cols = {}
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if (pa.types.is_string(t) or pa.types.is_large_string(t)) and name in unique:
            cols[name] = pd.Series(put(col.to_numpy(zero_copy_only=False)), dtype=object)   # a value per row
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            enc = pc.dictionary_encode(col).combine_chunks()
            values = np.empty(len(enc.dictionary) + 1, dtype=object)
            values[:-1] = enc.dictionary.to_pylist()
            values[-1] = None
            idx = enc.indices.fill_null(len(enc.dictionary)).to_numpy(zero_copy_only=False)
            cols[name] = pd.Series(values[put(idx)], dtype=object)
        elif (pa.types.is_integer(t) or pa.types.is_boolean(t)) and not col.null_count:
            cols[name] = pd.Series(put(col.to_numpy()))
        elif pa.types.is_floating(t):
            cols[name] = pd.Series(put(col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)))
        else:
            s = (pd.Series(col.to_pandas(types_mapper={t: _nullable(t)}.get)) if pa.types.is_integer(t)
                 or pa.types.is_boolean(t) else col.to_pandas())
            cols[name] = s if order is None else s.take(order).reset_index(drop=True)
    return pd.DataFrame(cols, columns=table.column_names)


def _nullable(t: Any) -> Any:
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return pd.api.types.pandas_dtype(f"{'U' if pa.types.is_unsigned_integer(t) else ''}Int{t.bit_width}")


def benchmark_questions(store: Any, judged_questions: set) -> list[str]:
    """The keys of the benchmark questions (analysis._rates' rule): declaring `aligned` or `coherent`, or of a
    (bank, question_id) in `judged_questions` (study_facts'; a missing bank or id matches a missing one)."""
    norm = {("\x00" if _missing(b) else str(b), "\x00" if _missing(q) else str(q)) for b, q in judged_questions}
    rows = store.query(QD_SQL)
    return sorted(k for k, b, q, declared in zip(rows["question_key"], rows["bank"], rows["question_id"],
                                                rows["declared"])
                  if bool(declared) or ("\x00" if _missing(b) else str(b), "\x00" if _missing(q) else str(q)) in norm)


def _judged_questions(store: Any, judges: Any) -> set:
    """The (bank, question_id) pairs one of whose answers (of a stored checkpoint and run) has an aligned or
    coherent score or reason from the metric's judge under `judges` (scores_sql's choice: that judge or a static
    analyser; None: any judge; a metric not named: static analysers only). Read from em_scores row by row (an
    answer is judged when one of its judges' rows is), so no pivot of every judgment per answer: the memory of a
    few distinct questions."""
    from emwatch.store._counts import em_source

    static = "starts_with(judge_model, 'static:')"
    conds = []
    for m in ("aligned", "coherent"):
        who = (static if m not in judges else "true" if judges[m] is None
               else f"(judge_model = {literal(judges[m])} OR {static})")
        conds.append(f"({who} AND {m}_judged)")
    with store._session():
        em = em_source(store.con)
        rows = store.con.execute(f"""
            SELECT DISTINCT q.bank, q.question_id FROM {em} e JOIN questions q USING (question_key)
            WHERE ({' OR '.join(conds)}) AND e.checkpoint_id IN (SELECT checkpoint_id FROM checkpoints JOIN runs
                                                                  USING (run_id))""").fetchall()
    return {(b, q) for b, q in rows}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def study_facts(store: Any, judges: Any) -> dict[str, Any]:
    """Over every answer of the store, under the judge choice `judges` (`JudgeChoice.sql()`):
    `judged_questions`: the (bank, question_id) pairs one of whose answers has an aligned or coherent score or
    reason (None stays None); `code_datasets`: the training sets (None too) of answers with a `vulnerable` score;
    `flagged_labels`: the distinct labels of answers flagged vulnerable (score above 0.5). Each read pivots only
    the judgments of its metrics (`judgments` narrowed by a common table expression of that name)."""
    metrics = store.metrics()
    db = quote(str(store.query("SELECT current_database() AS d")["d"].iloc[0]))
    em = [m for m in ("aligned", "coherent") if m in metrics]
    facts: dict[str, Any] = {"judged_questions": set(), "code_datasets": [], "flagged_labels": []}

    def over(names: list[str]) -> str:
        wanted = ", ".join(literal(m) for m in names)
        narrowed = (f"SELECT sample_id, judge_model, metric, score, label, reason FROM {db}.main.judgments "
                    f"WHERE metric IN ({wanted})")
        return (f"WITH judgments AS ({narrowed}) SELECT DISTINCT " + "{cols} "
                + _UNIVERSE.format(scores=scores_sql(names, judges)))

    if em:
        facts["judged_questions"] = _judged_questions(store, judges)
    if "vulnerable" in metrics:
        rows = store.query(over(["vulnerable"]).format(
            cols="r.dataset, CASE WHEN j.vulnerable > 0.5 THEN j.vulnerable_label END AS flagged")
            + " WHERE j.vulnerable IS NOT NULL")
        facts["code_datasets"] = list(dict.fromkeys(rows["dataset"]))
        facts["flagged_labels"] = [x for x in dict.fromkeys(rows["flagged"]) if not _missing(x)]
    return facts
