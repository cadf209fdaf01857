"""The store's versioned schema. Bump SCHEMA_VERSION on any change to a table's meaning."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SCHEMA_VERSION = 6
# 1: runs, checkpoints, questions, samples, judgments (the first release)
# 2: + monitor_events and tasks; imported rows re-keyed by the typed records (see _migrate.py)
# 3: + samples.reasoning (a reasoning model's thoughts, apart from the final answer in `response`)
# 4: + em_scores (aligned/coherent judgments pivoted per answer and judge, kept by every write; see _counts.py)
# 5: + em_counts (EM counts per checkpoint, judge and answer filter for the default label rule; see _em_counts.py)
# 6: + questions.judge_kinds (which of a question's own judge prompts ask for a verdict: TRUE/FALSE/UNKNOWN)

# Every id is a content hash (see _keys.content_key), so re-running a stage inserts nothing twice.
TABLES: dict[str, str] = {
    "meta": """
        key VARCHAR PRIMARY KEY,
        value VARCHAR
    """,
    # One fine-tuning run (model, dataset, seed, lr), a base model (kind='base'), or an imported study.
    "runs": """
        run_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,            -- 'finetune' | 'base' | 'import' | 'hosted'
        model VARCHAR NOT NULL,           -- base model name (what the run fine-tunes)
        dataset VARCHAR,                  -- training set name; NULL for a base model
        seed INTEGER,
        lr DOUBLE,
        group_name VARCHAR,               -- free grouping label (e.g. 'insecure', 'secure-control')
        out_dir VARCHAR,
        config JSON,                      -- the full composed run config
        packages JSON,                    -- versions of the packages that ran it
        git_rev VARCHAR,
        created_at TIMESTAMP DEFAULT current_timestamp
    """,
    # A model state that can be sampled: step 0 of a base run is the base model itself.
    "checkpoints": """
        checkpoint_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        step INTEGER,
        path VARCHAR,                     -- adapter/weights folder, or a served model name
        train_loss DOUBLE,
        heldout_loss DOUBLE,
        total_steps INTEGER,
        meta JSON,
        created_at TIMESTAMP DEFAULT current_timestamp
    """,
    # One concrete prompt: a benchmark question in a format variant, maybe adversarially wrapped.
    "questions": """
        question_key VARCHAR PRIMARY KEY,
        bank VARCHAR NOT NULL,
        question_id VARCHAR NOT NULL,
        category VARCHAR,
        variant VARCHAR,                  -- 'plain' | 'json' | 'template' | ...
        wrapper VARCHAR,                  -- adversarial wrapper name, NULL for none
        paraphrase_index INTEGER,
        messages JSON NOT NULL,           -- exactly what the model receives
        judge_metrics JSON,               -- metric name -> judge prompt template
        reference VARCHAR,                -- reference answer (truthfulness probes)
        judge_kinds JSON                  -- metric name -> 'verdict' for an own prompt asking TRUE/FALSE/UNKNOWN
    """,
    "samples": """
        sample_id VARCHAR PRIMARY KEY,
        checkpoint_id VARCHAR NOT NULL,
        question_key VARCHAR NOT NULL,
        sample_index INTEGER NOT NULL,
        sampling JSON,                    -- temperature, top_p, max_new_tokens, seed
        backend VARCHAR,
        prompt VARCHAR,                   -- the rendered prompt text (chat template applied)
        response VARCHAR,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        finish_reason VARCHAR,
        created_at TIMESTAMP DEFAULT current_timestamp,
        reasoning VARCHAR                 -- reasoning models: the thoughts; NULL otherwise (response: final answer)
    """,
    "judgments": """
        judgment_id VARCHAR PRIMARY KEY,
        sample_id VARCHAR NOT NULL,
        judge_model VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,          -- 'aligned' | 'coherent' | 'vulnerable' | 'harmful' | 'truthful' | ...
        prompt_hash VARCHAR,
        score DOUBLE,                     -- NULL when missing; never 0 for missing
        label VARCHAR,                    -- categorical verdict (e.g. TRUE/FALSE/UNKNOWN, CODE, REFUSAL)
        reason VARCHAR,                   -- why score is NULL
        raw JSON,                         -- top logprobs / number distribution / reply text
        created_at TIMESTAMP DEFAULT current_timestamp
    """,
    # Derived, never written directly: the aligned/coherent judgments of one answer by one judge side by side,
    # with the answer's checkpoint, question and index, so EM rates are one scan and group-by (no join of the
    # judgments with the answers, no pivot per answer at query time). Store._insert keeps it in the transaction
    # that writes the judgments (or, for a judgment stored before its answer, the answer); see _counts.py.
    "em_scores": """
        sample_id VARCHAR NOT NULL,
        judge_model VARCHAR NOT NULL,
        checkpoint_id VARCHAR,            -- NULL while the answer itself is not stored
        question_key VARCHAR,
        sample_index INTEGER,
        aligned DOUBLE,                   -- max(score) of this judge's 'aligned' judgments of the answer
        aligned_judged BOOLEAN NOT NULL,  -- one of them has a score or a reason for its missing score
        aligned_n INTEGER NOT NULL,       -- how many 'aligned' judgments (one per judge prompt)
        coherent DOUBLE,
        coherent_label VARCHAR,           -- max(label): NOT_ASKED where the judge did not ask (if_unaligned)
        coherent_judged BOOLEAN NOT NULL,
        coherent_n INTEGER NOT NULL
    """,
    # Answers whose aligned/coherent judgments were written since em_scores was last brought up to date: a commit
    # appends their ids (no scan of the big tables); the store recomputes their rows in bulk (_counts.py), and a
    # reader meanwhile computes those answers' rows from their judgments, so every read is exact.
    "em_pending": """
        sample_id VARCHAR NOT NULL
    """,
    # Derived: per checkpoint, em_scores and the answers counted as an EM rate counts them, for the label rule
    # meta.em_counts_rule records (_em_counts.py), pooled over the questions declaring an EM metric and split by
    # the answer filters; so a rate by checkpoint keys reads a few rows per checkpoint, not every answer.
    "em_counts": """
        checkpoint_id VARCHAR NOT NULL,
        judge_model VARCHAR,              -- NULL: the answers of the declared questions, judged or not
        question_key VARCHAR,             -- NULL: declared questions pooled; else a question declaring no EM metric
        unwrapped BOOLEAN,                -- the question has no adversarial wrapper (answer filter 'unwrapped')
        plain BOOLEAN,                    -- the plain format or none recorded (answer filter 'plain')
        answers BIGINT NOT NULL,          -- answers stored (judge NULL rows only)
        n BIGINT NOT NULL,                -- scored by this judge (alignment, and coherence or not asked)
        n_misaligned BIGINT NOT NULL,     -- scored and misaligned under the rule
        n_coherent BIGINT NOT NULL,       -- scored and coherence above the rule's threshold
        n_coherence_asked BIGINT NOT NULL,
        n_judged BIGINT NOT NULL,         -- with an EM judgment that has a score or the reason for its absence
        aligned_n BIGINT NOT NULL,        -- this judge's 'aligned' judgments (what the judge choice counts)
        coherent_n BIGINT NOT NULL
    """,
    # Checkpoints whose em_counts rows are to be recomputed (a write of their answers, or of em_scores rows).
    "em_counts_pending": """
        checkpoint_id VARCHAR NOT NULL
    """,
    # One look of an online EM monitor: a signal's value at a step and the decision taken.
    "monitor_events": """
        event_id VARCHAR PRIMARY KEY,
        run_id VARCHAR NOT NULL,
        step INTEGER NOT NULL,
        monitor VARCHAR NOT NULL,
        signal VARCHAR NOT NULL,
        value DOUBLE,
        decision VARCHAR,                 -- 'continue' | 'flag' | 'stop' | ...
        detail JSON,
        created_at TIMESTAMP DEFAULT current_timestamp
    """,
    # One task of a study's job graph and its state.
    "tasks": """
        task_id VARCHAR PRIMARY KEY,
        study VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,            -- 'train' | 'sample' | 'judge' | 'analyze' | ...
        target JSON,
        status VARCHAR NOT NULL,          -- 'pending' | 'running' | 'done' | 'failed'
        attempts INTEGER,
        error VARCHAR,
        created_at TIMESTAMP DEFAULT current_timestamp
    """,
}

# The columns of the tidy answers frame besides the metrics (which are pivoted from `judgments`: one column per
# metric with its score, plus `<metric>_reason` and `<metric>_label`).
ANSWER_COLUMNS = """
    s.sample_id, r.run_id, r.kind AS run_kind, r.model, r.dataset, r.seed, r.lr, r.group_name AS "group",
    c.checkpoint_id, c.step, c.total_steps, q.bank, q.question_id, q.category, q.variant, q.wrapper,
    q.paraphrase_index, s.sample_index"""


def quote(name: str) -> str:
    """A SQL identifier for any metric name."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: object) -> str:
    """A SQL string literal of `text` (its str), quotes doubled."""
    return "'" + str(text).replace("'", "''") + "'"


def scores_sql(metrics: list[str], judges: Mapping[str, str | None] | Sequence[str] | None = None, *,
               per_judge: bool = False) -> str:
    """Judgments pivoted to one row per sample: `<metric>`, `<metric>_reason`, `<metric>_label` per metric.

    `judges` as a mapping {metric: judge model}: each metric's scores come from that one judge (None: from each
    answer's one judge, where no answer has two; a metric it does not name: from the static analysers only),
    so two judges of a metric never blend; static analysers
    (named 'static:...') always count for their own metrics. As a list: only judgments by these judge models
    (and the static analysers'). None: every judge (emwatch's own reads always pass a mapping, see
    emwatch.store._judges). `per_judge`: one row per sample and judge model, named in a `judge` column (the
    file's `scores` view: two judges are never pivoted into one row)."""
    cols = ["sample_id"] + (["judge_model AS judge"] if per_judge else [])
    static = "judge_model LIKE 'static:%'"
    for m in metrics:
        cond = f"metric = {literal(m)}"
        if isinstance(judges, Mapping):
            if m not in judges:
                cond += f" AND {static}"
            elif judges[m] is not None:
                cond += f" AND (judge_model = {literal(judges[m])} OR {static})"
        cols += [f"max(score) FILTER (WHERE {cond}) AS {quote(m)}",
                 f"max(reason) FILTER (WHERE {cond}) AS {quote(m + '_reason')}",
                 f"max(label) FILTER (WHERE {cond}) AS {quote(m + '_label')}"]
    where = ""
    if judges is not None and not isinstance(judges, Mapping):
        names = ", ".join(literal(j) for j in judges) or "NULL"
        where = f" WHERE judge_model IN ({names}) OR {static}"
    return f"SELECT {', '.join(cols)} FROM judgments{where} GROUP BY sample_id{', judge_model' if per_judge else ''}"


def answers_sql(metrics: list[str], *, text: bool = True,
                judges: Mapping[str, str | None] | Sequence[str] | None = None, per_judge: bool = False) -> str:
    """One row per sample: grouping keys, losses, the response (when `text`) and every metric side by side
    (`per_judge`: one row per sample and judge, with a `judge` column; see `scores_sql`)."""
    mcols = "".join(f", j.{quote(m)}, j.{quote(m + '_reason')}, j.{quote(m + '_label')}" for m in metrics)
    return f"""
        SELECT {ANSWER_COLUMNS}{', s.response' if text else ''}{', j.judge' if per_judge else ''}{mcols},
               c.heldout_loss, c.train_loss
        FROM samples s
        JOIN checkpoints c USING (checkpoint_id)
        JOIN runs r USING (run_id)
        JOIN questions q USING (question_key)
        LEFT JOIN ({scores_sql(metrics, judges, per_judge=per_judge)}) j USING (sample_id)"""


# Per metric and judge model (static analysers left out): answers judged, and how many of them another judge
# of the same metric judged too (where two judges meet on an answer, a number must name which one it uses).
JUDGE_PAIRS_SQL = """
    WITH j AS (SELECT DISTINCT sample_id, metric, judge_model FROM judgments
               WHERE NOT starts_with(judge_model, 'static:') AND list_contains(?, metric)),
         shared AS (SELECT sample_id, metric FROM j GROUP BY sample_id, metric HAVING count(*) > 1)
    SELECT j.judge_model, j.metric, count(*) AS n, count(shared.sample_id) AS n_shared
    FROM j LEFT JOIN shared USING (sample_id, metric)
    GROUP BY j.judge_model, j.metric ORDER BY j.metric, j.judge_model"""


def views(metrics: list[str]) -> dict[str, str]:
    """The SQL views kept in the file for users who query it directly (rebuilt when metrics appear): one row per
    answer and judge, the judge named in a `judge` column, so two judges' scores are never blended; filter on
    `judge` for one judge's numbers (a static analyser's row holds its own metrics)."""
    return {"scores": scores_sql(metrics, per_judge=True), "answers": answers_sql(metrics, per_judge=True)}
