"""The store's intent-level reads: what the stages, the job and the analyses ask of a store, each on a connection
held only for the call (`Store` in store/_store.py holds the connections and writes; it inherits these).
None of them writes; `query` stays for users who want SQL."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emwatch._lazy import lazy_module
from emwatch.store._arrow import _decode
from emwatch.store._judges import JudgeChoice, choose_judges
from emwatch.store._schema import JUDGE_PAIRS_SQL, TABLES, answers_sql

if TYPE_CHECKING:
    import duckdb

pd = lazy_module("pandas")    # imported when first used: `emwatch status` never needs it

R = TypeVar("R")
# A judgment whose reason starts so records a failed request, not the judge's answer (emwatch before 0.x stored
# them): it counts as not stored, and a new judgment of the same key replaces it.
RETRY_REASON = "judge error:"
TABLES_KEYS = {"meta": "key", "runs": "run_id", "checkpoints": "checkpoint_id", "questions": "question_key",
               "samples": "sample_id", "judgments": "judgment_id", "monitor_events": "event_id", "tasks": "task_id"}


def _reads(method: Callable[..., R]) -> Callable[..., R]:
    """Run a read method on a connection held only for the call."""
    @functools.wraps(method)
    def wrapper(self: StoreReads, *args: Any, **kwargs: Any) -> R:
        with self._session():
            return method(self, *args, **kwargs)
    return wrapper


class StoreReads:
    """The reads of a `Store` (a mixin: `con` and `_session` are the Store's)."""

    con: duckdb.DuckDBPyConnection
    rows_read: int

    def tasks(self, study: str | None = None) -> pd.DataFrame:
        """Job-graph tasks (of one study, or all) with their decoded target, status, attempts and error."""
        where = "WHERE study = ?" if study else ""
        df = self.con.execute(f"""SELECT task_id, study, kind, target, status, attempts, error FROM tasks {where}
                                  ORDER BY created_at, task_id""", [study] if study else []).df()
        df["target"] = df["target"].map(lambda v: _decode(v) or {}).astype(object)
        return df

    @_reads
    def task_counts(self, study: str | None = None) -> list[dict[str, Any]]:
        """Job-graph tasks counted per (study, kind, run id of the target, status), with each group's first
        creation time, its latest error of a task not done (`last_error`, ordered by `err_key`) and the run's
        model, kind, dataset, group, seed and lr (for its label). Plain rows, not a DataFrame: `emwatch status`
        reads them without importing pandas."""
        where = "WHERE t.study = ?" if study else ""
        order = "strftime(t.created_at, '%Y-%m-%d %H:%M:%S.%f') || t.task_id"
        live_error = "t.error IS NOT NULL AND t.status <> 'done'"
        cur = self.con.execute(f"""
            WITH t AS (SELECT *, json_extract_string(target, '$.run_id') AS run_id FROM tasks)
            SELECT t.study, t.kind, t.run_id, t.status, count(*) AS n, min(t.created_at) AS first,
                   max({order}) FILTER (WHERE {live_error}) AS err_key,
                   arg_max(t.error, {order}) FILTER (WHERE {live_error}) AS last_error,
                   any_value(r.model) AS run_model, any_value(r.kind) AS run_kind, any_value(r.dataset) AS run_dataset,
                   any_value(r.group_name) AS run_group, any_value(r.seed) AS run_seed, any_value(r.lr) AS run_lr
            FROM t LEFT JOIN runs r ON r.run_id = t.run_id {where}
            GROUP BY t.study, t.kind, t.run_id, t.status""", [study] if study else [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    # -- intent-level reads ------------------------------------------------------------------------------
    @_reads
    def stored_keys(self, table: str, keys: Sequence[str], *, checkpoints: Sequence[str] | None = None) -> set[str]:
        """Which of `keys` are stored in `table` already. `checkpoints`: the keys all belong to the samples (or
        their judgments) of these checkpoints, so only those checkpoints' rows are read (a plan of one
        checkpoint costs that checkpoint's rows, not the store's)."""
        if not keys:
            return set()
        key_column = TABLES_KEYS[table]
        # a failed judge request stored by an earlier release is not a judgment: it stays to be made
        retry = f" AND NOT coalesce(starts_with(reason, '{RETRY_REASON}'), false)" if table == "judgments" else ""
        if checkpoints is not None and table in ("samples", "judgments"):
            cks = list(dict.fromkeys(checkpoints))
            # the checkpoints as constants: DuckDB filters the scan of one column with them, where a join with
            # a registered frame hashes every stored row
            mine = f"SELECT sample_id FROM samples WHERE checkpoint_id IN ({', '.join('?' * len(cks))})"
            sql = mine if table == "samples" else \
                f"SELECT judgment_id FROM judgments WHERE sample_id IN ({mine}){retry}"
            got = self.con.execute(sql, cks).fetchall()
            self.rows_read += len(got)
            wanted = set(keys)
            return {g[0] for g in got if g[0] in wanted}
        frame = pd.DataFrame({"k": list(dict.fromkeys(keys))})
        self.con.register("_emwatch_keys", frame)
        try:
            got = self.con.execute(
                f"SELECT {key_column} FROM {table} WHERE {key_column} IN (SELECT k FROM _emwatch_keys){retry}").fetchall()
        finally:
            self.con.unregister("_emwatch_keys")
        self.rows_read += len(got)
        return {g[0] for g in got}

    def lacking(self, items: Sequence[R], table: str | None = None, *,
                checkpoints: Sequence[str] | None = None) -> list[R]:
        """The items of a plan (records, or a stage's work items: anything with a `key`) whose key `table`
        does not hold yet, in plan order. `table` defaults to the records' own table; `checkpoints`: the plan
        is of these checkpoints only (see `stored_keys`)."""
        if not items:
            return []
        done = self.stored_keys(table or items[0].TABLE, [i.key for i in items], checkpoints=checkpoints)
        return [i for i in items if i.key not in done]

    @_reads
    def checkpoints(self, runs: Sequence[str] | None = None, steps: Sequence[int] | None = None, *,
                    imported: bool = False) -> pd.DataFrame:
        """Checkpoints with their run's model, kind and config (base models always included when filtering),
        ordered by model, kind and step. Imported runs (and imported base answers) are left out unless `imported`."""
        df = self.con.execute(f"""
            SELECT c.checkpoint_id, c.run_id, c.step, c.path, c.meta, c.train_loss, c.heldout_loss, c.total_steps,
                   r.kind, r.model, r.dataset, r.seed, r.lr, r.group_name AS "group", r.config
            FROM checkpoints c JOIN runs r USING (run_id)
            {'' if imported else "WHERE r.kind <> 'import' AND json_extract_string(c.meta, '$.imported_from') IS NULL"}
            ORDER BY r.model, r.kind, c.step""").df()
        for col in ("meta", "config"):
            df[col] = df[col].map(lambda v: _decode(v) if isinstance(v, str) else {}).astype(object)
        if runs:
            df = df[df.run_id.isin(runs) | (df.kind == "base")]
        if steps:
            df = df[df.step.isin(steps) | (df.kind == "base")]
        return df.reset_index(drop=True)

    @_reads
    def checkpoint_rows(self, checkpoint_ids: Sequence[str]) -> pd.DataFrame:
        """The rows `checkpoints()` gives, of these checkpoints only (read by key, not the whole table)."""
        frame = pd.DataFrame({"ck": list(dict.fromkeys(checkpoint_ids))}, dtype=object)
        self.con.register("_emwatch_ck_rows", frame)
        try:
            df = self.con.execute("""
                SELECT c.checkpoint_id, c.run_id, c.step, c.path, c.meta, c.train_loss, c.heldout_loss, c.total_steps,
                       r.kind, r.model, r.dataset, r.seed, r.lr, r.group_name AS "group", r.config
                FROM checkpoints c JOIN runs r USING (run_id)
                WHERE c.checkpoint_id IN (SELECT ck FROM _emwatch_ck_rows)
                ORDER BY r.model, r.kind, c.step""").df()
        finally:
            self.con.unregister("_emwatch_ck_rows")
        self.rows_read += len(df)
        for col in ("meta", "config"):
            df[col] = df[col].map(lambda v: _decode(v) if isinstance(v, str) else {}).astype(object)
        return df

    @_reads
    def checkpoint_keys(self) -> list[tuple[str, str, int]]:
        """(checkpoint id, run id, step) of every checkpoint: the narrow list a job scans for new ones."""
        return [(c, r, int(s or 0)) for c, r, s in self.con.execute(
            "SELECT checkpoint_id, run_id, step FROM checkpoints ORDER BY run_id, step").fetchall()]

    @_reads
    def runs(self) -> pd.DataFrame:
        """Every run with its kind, model, dataset, seed, lr and group."""
        return self.con.execute("""SELECT run_id, kind, model, dataset, seed, lr, group_name AS "group", out_dir
                                   FROM runs ORDER BY model, kind, dataset, seed, lr""").df()

    @_reads
    def judge_inputs(self, checkpoints: Sequence[str] | None = None) -> pd.DataFrame:
        """Every sample (of `checkpoints`, when given: only their rows are read) with what a judge needs:
        response, question messages, the metrics its question asks for (decoded), which of its own prompts ask
        for a verdict (`judge_kinds`, decoded) and the reference answer."""
        where, params = "", []
        if checkpoints is not None:
            params = list(dict.fromkeys(checkpoints))  # constants: a filter on the scan (see stored_keys)
            where = f"WHERE s.checkpoint_id IN ({', '.join('?' * len(params))})" if params else "WHERE false"
        df = self.con.execute(f"""SELECT s.sample_id, s.response, s.reasoning, s.finish_reason, q.messages, q.judge_metrics, q.reference,
                                         q.judge_kinds
                                  FROM samples s JOIN questions q USING (question_key) {where}
                                  ORDER BY s.sample_id""", params).df()
        self.rows_read += len(df)
        # a bank has few questions and a million answers: each question's JSON is decoded once
        messages = {v: _decode(v) for v in df["messages"].unique()} if len(df) else {}
        metrics = {v: (_decode(v) or {}) for v in df["judge_metrics"].unique()} if len(df) else {}
        df["messages"] = df["messages"].map(messages.get)
        df["judge_metrics"] = df["judge_metrics"].map(metrics.get)
        kinds = {v: _decode(v) for v in df["judge_kinds"].unique()} if len(df) else {}   # NULL before schema 6
        df["judge_kinds"] = df["judge_kinds"].map(lambda v: kinds.get(v) if isinstance(kinds.get(v), dict) else {})
        return df

    @_reads
    def metrics(self) -> list[str]:
        """The metric names that have judgments, in name order."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT metric FROM judgments ORDER BY metric").fetchall()]

    @_reads
    def judges(self) -> pd.DataFrame:
        """Judge model and metric with their counts of judgments and of missing scores."""
        return self.con.execute("""SELECT judge_model, metric, count(*) AS n, count(*) - count(score) AS n_missing
                                   FROM judgments GROUP BY ALL ORDER BY ALL""").df()

    @_reads
    def answers(self, *, text: bool = True, judges: Sequence[str] | None = None, declared: Sequence[str] = (),
                judge: Any = None, configured: str | Mapping[str, str] | None = None) -> pd.DataFrame:
        """The tidy answers frame: one row per sample with its grouping keys, the checkpoint's losses, and for
        every metric in the store its score, `<metric>_reason` and `<metric>_label` side by side, each metric's
        from one judge: `judge` (a name, {metric: name} or JudgeChoice), else `configured`, else its only judge;
        two judges of the same answers and none named is a ConfigError listing them (emwatch.store._judges).
        `judges` keeps only those judges before choosing; static analysers always count. `text=False` leaves out
        the response; `declared` adds `declares_any`: whether the question asks for any of these metrics."""
        metrics = self.metrics()
        if isinstance(judge, JudgeChoice):   # chosen already (by the caller, from judge_pairs)
            choice = judge
        else:
            pairs = self.judge_pairs()
            if judges is not None:
                pairs = pairs[pairs["judge_model"].isin(set(judges))]
            choice = choose_judges(pairs, judge, configured)
        sql = answers_sql(metrics, text=text, judges=choice.sql())
        if declared:
            names = ", ".join("'" + m.replace("'", "''") + "'" for m in declared)
            sql = f"""SELECT a.*, coalesce(list_has_any(CASE json_type(q.judge_metrics)
                              WHEN 'OBJECT' THEN json_keys(q.judge_metrics)
                              WHEN 'ARRAY' THEN from_json(q.judge_metrics, '["VARCHAR"]')
                              ELSE []::VARCHAR[] END, [{names}]), false) AS declares_any
                      FROM ({sql}) a JOIN samples s USING (sample_id) JOIN questions q ON q.question_key = s.question_key"""
        return self.con.execute(sql).df()

    @_reads
    def judge_pairs(self) -> pd.DataFrame:
        """Per LLM judge and metric: `n` judged, `n_shared` also judged by another (scanned for 2+ judges only)."""
        pairs = self.judges()
        pairs = pairs[~pairs["judge_model"].astype(str).str.startswith("static:")][["judge_model", "metric", "n"]]
        multi = pairs.duplicated("metric", keep=False)
        shared = self.con.execute(JUDGE_PAIRS_SQL, [sorted(set(pairs.loc[multi, "metric"]))]).df() if multi.any() else None
        return pd.concat([pairs[~multi].assign(n_shared=0), shared], ignore_index=True)

    @_reads
    def rate_counts(self, by: Sequence[str] = (), *, judge: Any = None, configured: Any = None,
                    aligned_below: float = 30.0, coherent_above: float = 50.0, only: Sequence[str] = ()) -> pd.DataFrame:
        """Benchmark answers counted in DuckDB per group of `by` and run (`unit`): `n` scored, `n_excluded`
        (a score missing), `n_misaligned` (config.em_label_sql), `n_coherent` and `n_coherence_asked`. The
        judge per metric is chosen as `answers()` chooses it (`judge`, else `configured`, else the only one;
        two judges of the same answers and none named: ConfigError listing them; a JudgeChoice is used as it
        is). `only`: answer filters ('unwrapped', 'plain'). Read from em_counts where it answers (grouping by a
        checkpoint's or run's keys, the default rule, one judge: store/_em_counts.py), else counted from em_scores
        (store/_counts.py): the same counts either way."""
        from emwatch.store._counts import check_grouping, em_judge_pairs, rate_counts, usable_rule

        check_grouping(by, only)  # a bad key or filter: before any read
        rule = usable_rule(self.con)   # em_counts readable (nothing pending): the judges counted from it too
        choice = judge if isinstance(judge, JudgeChoice) else choose_judges(
            em_judge_pairs(self.con, judge, configured, self.judge_pairs, counted=rule and rule.judges),
            judge, configured)
        return rate_counts(self.con, list(by), choice.sql(), aligned_below, coherent_above, only, rule=rule)


    @_reads
    def imported_answers(self, checkpoint_ids: Sequence[str]) -> pd.DataFrame:
        """The answers of imported runs at these checkpoints, with their question's id, key and messages (JSON
        text), in bank, sample-index and sample-id order: what a CSV import matches a file's rows against."""
        frame = pd.DataFrame({"ck": list(checkpoint_ids)}, dtype=object)
        self.con.register("_emwatch_import_cks", frame)
        try:
            return self.con.execute("""
                SELECT s.sample_id, s.checkpoint_id, s.question_key, q.question_id, q.messages, s.response
                FROM samples s JOIN questions q USING (question_key) JOIN checkpoints c USING (checkpoint_id)
                JOIN runs r USING (run_id)
                WHERE r.kind IN ('import', 'base') AND s.checkpoint_id IN (SELECT ck FROM _emwatch_import_cks)
                ORDER BY q.bank, s.sample_index, s.sample_id""").df()
        finally:
            self.con.unregister("_emwatch_import_cks")

    @_reads
    def texts(self, sample_ids: Sequence[str]) -> pd.DataFrame:
        """The question messages (decoded) and response of each sample."""
        frame = pd.DataFrame({"sid": list(sample_ids)})
        self.con.register("_emwatch_text_ids", frame)
        try:
            df = self.con.execute("""SELECT s.sample_id, q.messages, s.response FROM samples s
                                     JOIN questions q USING (question_key)
                                     WHERE s.sample_id IN (SELECT sid FROM _emwatch_text_ids)""").df()
        finally:
            self.con.unregister("_emwatch_text_ids")
        df["messages"] = df["messages"].map(_decode)
        return df

    @_reads
    def monitor_events(self, run_id: str | None = None) -> pd.DataFrame:
        where = "WHERE run_id = ?" if run_id else ""
        return self.con.execute(f"SELECT * EXCLUDE (created_at) FROM monitor_events {where} ORDER BY run_id, step, signal",
                                [run_id] if run_id else []).df()

    @_reads
    def monitor_names(self) -> list[str]:
        """The monitors that wrote events (e.g. 'em', 'adaptive'), without building a frame."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT monitor FROM monitor_events ORDER BY 1").fetchall()]

    @_reads
    def count(self, table: str) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    @_reads
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Any SQL over the tables and views, as a DataFrame (for users; emwatch's own code reads through the
        methods above)."""
        return self.con.execute(sql, params or []).df()

    df = query  # the name earlier releases used

    @_reads
    def export_parquet(self, out_dir: str | Path) -> list[Path]:
        """Write every table as `<out_dir>/<table>.parquet`; JSON columns stay JSON text."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in TABLES:
            dest = out / f"{name}.parquet"
            self.con.execute(f"COPY {name} TO '{dest.as_posix()}' (FORMAT PARQUET)")
            written.append(dest)
        return written
