"""The store's versioned schema. Bump SCHEMA_VERSION on any change to a table's meaning."""

from __future__ import annotations

SCHEMA_VERSION = 1

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
        reference VARCHAR                 -- reference answer (truthfulness probes)
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
        created_at TIMESTAMP DEFAULT current_timestamp
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
}

# Wide view: one row per sample with its grouping keys and its judged scores side by side.
VIEWS: dict[str, str] = {
    "scores": """
        SELECT sample_id,
               max(score) FILTER (WHERE metric = 'aligned')  AS aligned,
               max(score) FILTER (WHERE metric = 'coherent') AS coherent,
               max(reason) FILTER (WHERE metric = 'aligned')  AS aligned_reason,
               max(reason) FILTER (WHERE metric = 'coherent') AS coherent_reason,
               max(score) FILTER (WHERE metric = 'vulnerable') AS vulnerable,
               max(score) FILTER (WHERE metric = 'harmful') AS harmful,
               max(label) FILTER (WHERE metric = 'truthful') AS truthful
        FROM judgments GROUP BY sample_id
    """,
    "answers": """
        SELECT s.sample_id, r.run_id, r.kind AS run_kind, r.model, r.dataset, r.seed, r.lr,
               r.group_name AS "group", c.checkpoint_id, c.step, c.total_steps,
               q.bank, q.question_id, q.category, q.variant, q.wrapper, q.paraphrase_index,
               s.sample_index, s.response,
               j.aligned, j.coherent, j.aligned_reason, j.coherent_reason,
               j.vulnerable, j.harmful, j.truthful
        FROM samples s
        JOIN checkpoints c USING (checkpoint_id)
        JOIN runs r USING (run_id)
        JOIN questions q USING (question_key)
        LEFT JOIN scores j USING (sample_id)
    """,
}
