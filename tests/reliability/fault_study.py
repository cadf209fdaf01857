"""Sample and judge through the fault-injecting proxy, then count what was lost or duplicated.

Shared by tests/reliability/test_faults.py (a small run) and scripts/fault_run.py (the big run whose figures go
to docs/reliability.md). A stage that stops (tries exhausted, the circuit breaker) is rerun, as a user would;
the number of passes is reported.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emwatch.backends._openai import OpenAIBackend
from emwatch.config import BackendSpec, JudgeConfig, SampleConfig
from emwatch.errors import BackendError
from emwatch.judge import judge
from emwatch.sample import sample
from emwatch.sample._stage import build_plan_prompts
from emwatch.store import Store, register_base_model


@dataclass
class FaultFigures:
    fault_rate: float
    generations_planned: int = 0
    generations_stored: int = 0
    generation_duplicates: int = 0
    judgments_planned: int = 0
    judgments_stored: int = 0
    judgment_duplicates: int = 0
    judgments_missing_with_reason: int = 0
    judgments_stored_as_error: int = 0
    sample_passes: int = 0
    judge_passes: int = 0
    pending_after_first_judge_pass: int = 0
    http_posts: int = 0
    injected: dict[str, int] = field(default_factory=dict)
    retry_after_gaps: int = 0
    retry_after_min_gap_s: float | None = None
    retry_after_s: float = 0.0
    sample_wall_s: float = 0.0
    judge_wall_s: float = 0.0

    @property
    def lost(self) -> int:
        return (self.generations_planned - self.generations_stored) + (self.judgments_planned - self.judgments_stored)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lost": self.lost}


def fault_study(store_path: Path, proxy: Any, *, model: str, key_env: str, tokenizer: str, rate: float,
                seed: int = 0, categories: list[str] | None = None, per_category: int | None = None,
                samples: int = 1, max_passes: int = 4, concurrency: int = 8, timeout_s: float = 15.0,
                chunk: int | None = None) -> FaultFigures:
    """One study (one checkpoint: the served base model) through `proxy` with chaos at `rate`. `chunk`: items
    per commit (the stages' defaults when None); a chunk waits for its slowest item, so a timed-out request
    holds up the rest of its chunk: bigger chunks keep the server busy through the faults."""
    proxy.reset()
    proxy.chaos(rate, seed=seed, retry_after=1.0, timeout_delay=timeout_s + 1.0)
    spec = BackendSpec(kind="openai", model=model, base_url=proxy.url, api_key_env=key_env, tokenizer=tokenizer,
                       max_concurrency=concurrency, max_tries=8, timeout_s=timeout_s)
    cfg = SampleConfig(categories=categories, per_category=per_category, max_paraphrases=1, samples=samples,
                       max_new_tokens=8, temperature=1.0)
    figures = FaultFigures(fault_rate=rate, retry_after_s=1.0)
    figures.generations_planned = sum(p.samples for p in build_plan_prompts(cfg))
    figures.judgments_planned = 2 * figures.generations_planned
    with Store(store_path) as store:
        register_base_model(store, model, model)
        t0 = time.perf_counter()
        for _ in range(max_passes):
            figures.sample_passes += 1
            try:
                with OpenAIBackend(spec) as backend:
                    sample(store, cfg, backend, progress=False, chunk=chunk)
                break
            except BackendError:
                continue  # what was committed stays; the rerun does the rest
        figures.sample_wall_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(max_passes):
            figures.judge_passes += 1
            try:
                with OpenAIBackend(spec) as backend:
                    summary = judge(store, JudgeConfig(metrics=["aligned", "coherent"], static=False), backend,
                                    judge_name="tiny-judge", progress=False, **({"chunk": chunk} if chunk else {}))
                if figures.judge_passes == 1:
                    figures.pending_after_first_judge_pass = summary.pending
                if not summary.pending:
                    break
            except BackendError:
                continue
        figures.judge_wall_s = time.perf_counter() - t0
        counts = store.query("""
            SELECT (SELECT count(*) FROM samples) AS samples,
                   (SELECT count(*) FROM (SELECT checkpoint_id, question_key, sample_index FROM samples
                                          GROUP BY ALL HAVING count(*) > 1)) AS sample_dups,
                   (SELECT count(*) FROM judgments) AS judgments,
                   (SELECT count(*) FROM (SELECT sample_id, metric FROM judgments GROUP BY ALL HAVING count(*) > 1))
                       AS judgment_dups,
                   (SELECT count(*) FROM judgments WHERE score IS NULL) AS missing,
                   (SELECT count(*) FROM judgments WHERE starts_with(reason, 'judge error')) AS as_error
        """).iloc[0]
    figures.generations_stored = int(counts.samples)
    figures.generation_duplicates = int(counts.sample_dups)
    figures.judgments_stored = int(counts.judgments)
    figures.judgment_duplicates = int(counts.judgment_dups)
    figures.judgments_missing_with_reason = int(counts.missing)
    figures.judgments_stored_as_error = int(counts.as_error)
    figures.http_posts = proxy.attempts("")
    figures.injected = dict(sorted(proxy.injected.items()))
    gaps = proxy.retry_after_gaps()
    figures.retry_after_gaps = len(gaps)
    figures.retry_after_min_gap_s = round(min(gaps), 3) if gaps else None
    proxy.reset()
    return figures
