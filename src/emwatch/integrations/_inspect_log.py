"""Import an Inspect evaluation log (`.eval` or `.json`) into the store: `emwatch import LOG.eval --store S`.

The evaluated model becomes an imported run (kind 'import', like an earlier study's CSV), each Inspect sample
and epoch one Sample, and each numeric score (`aligned`, `coherent`, or any other scorer's) one Judgment by the
grader named in the score's metadata. An unscored value (NaN / None) is stored as missing with the scorer's
reason. Samples of emwatch's own `em240` task carry their bank, question id, category, variant and wrapper, so
they land under the same question keys as emwatch's own sampling; other tasks' samples become questions of the
bank `inspect:<task>`. All rows go in one transaction; importing the same log again adds nothing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from emwatch.errors import ConfigError
from emwatch.store import Checkpoint, Judgment, Question, Record, Run, Sample
from emwatch.store._import import ImportResult, variant_of

SUFFIXES = (".eval", ".json")


def _read_log(path: Path) -> Any:
    try:
        from inspect_ai.log import read_eval_log
    except ImportError as e:  # pragma: no cover - the inspect extra is part of `test`
        from emwatch.errors import MissingDependency

        raise MissingDependency("reading Inspect logs needs inspect-ai: pip install 'emwatch[inspect]'") from e
    try:
        return read_eval_log(str(path))
    except Exception as e:  # Inspect raises several kinds for a file that is not a log
        raise ConfigError(f"{path}: not a readable Inspect evaluation log: {e}") from e


def _messages(sample: Any) -> list[dict[str, str]]:
    if isinstance(sample.input, str):
        return [{"role": "user", "content": sample.input}]
    return [{"role": m.role, "content": m.text} for m in sample.input]


def _value(path: Path, sample_id: Any, name: str, score: Any) -> dict[str, Any]:
    """A Judgment's score/label/reason from an Inspect Score (missing, never 0, when unscored)."""
    value = score.value
    meta = score.metadata or {}
    reason = meta.get("missing_reason") or score.explanation or score.reason
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {"score": None, "label": meta.get("label"), "reason": f"unscored in Inspect: {reason or 'no reason given'}"}
    if isinstance(value, bool):
        return {"score": float(value), "label": None, "reason": None}
    if isinstance(value, (int, float)):
        return {"score": float(value), "label": None, "reason": None}
    if isinstance(value, str):  # Inspect's CORRECT/INCORRECT letters and other labels
        return {"score": None, "label": value, "reason": f"label {value!r} (not a number)"}
    raise ConfigError(f"{path}: sample {sample_id!r}: score {name!r}: a {type(value).__name__} value cannot be "
                      "stored as one judgment (score dictionaries and lists are not supported)")


def import_inspect_log(store: Any, path: str | Path, *, model: str | None = None, group: str | None = None,
                       seed: int | None = None, dataset: str | None = None) -> ImportResult:
    """Add an Inspect log's answers and scores to `store` as one imported run per evaluated model."""
    path = Path(path)
    log = _read_log(path)
    if log.status != "success" and not log.samples:
        raise ConfigError(f"{path}: Inspect log has status {log.status!r} and no samples to import")
    if not log.samples:
        raise ConfigError(f"{path}: Inspect log has no samples (was it written with --no-log-samples?)")
    spec = log.eval
    model_name = model or spec.model
    run = Run.imported(model_name, dataset=dataset, seed=seed, group=group or spec.task,
                       source=str(path))
    ck = Checkpoint(run_id=run.key, step=None, path=str(path),
                    meta={"imported_from": str(path), "inspect_task": spec.task, "inspect_eval_id": spec.eval_id,
                          "inspect_run_id": spec.run_id, "task_args": dict(spec.task_args or {})})
    records: list[Record] = [run, ck]
    metrics: set[str] = set()
    source = f"inspect:{spec.eval_id}"
    task_bank = f"inspect:{spec.task.split('/')[-1]}"
    for s in log.samples:
        meta = s.metadata or {}
        own = "question_id" in meta and "bank" in meta
        messages = _messages(s)
        if own:
            question = Question(bank=meta["bank"], question_id=meta["question_id"], messages=messages,
                                category=meta.get("category"), variant=meta.get("variant") or "plain",
                                wrapper=meta.get("wrapper"), paraphrase_index=meta.get("paraphrase_index", 0),
                                judge_metrics=meta.get("judge_metrics") or {}, reference=meta.get("reference"))
        else:
            qid = str(s.id)
            question = Question(bank=task_bank, question_id=qid, messages=messages, category=meta.get("category"),
                                variant=variant_of(qid), wrapper=None, paraphrase_index=0,
                                judge_metrics={n: None for n in (s.scores or {})})
        response = s.output.completion if s.output is not None else None
        sample = Sample(checkpoint_id=ck.key, question_key=question.key, sample_index=(s.epoch or 1) - 1,
                        sampling=Sample.imported_sampling(response, source=source), backend="inspect",
                        response=response,
                        finish_reason=(s.output.choices[0].stop_reason if s.output and s.output.choices else None))
        records += [question, sample]
        for name, score in (s.scores or {}).items():
            meta_score = score.metadata or {}
            judge = meta_score.get("judge") or _grader_of(spec) or "inspect"
            records.append(Judgment(sample_id=sample.key, judge_model=str(judge), metric=name,
                                    prompt_hash=meta_score.get("prompt_hash"), raw={"inspect": meta_score or None},
                                    **_value(path, s.id, name, score)))
            metrics.add(name)
    added = store.add(records)
    tables = ("runs", "checkpoints", "questions", "samples", "judgments")
    return ImportResult(path=path, rows=len(log.samples), bank=task_bank, metrics=sorted(metrics),
                        runs=[{"model": run.model, "group": run.group, "seed": run.seed, "dataset": run.dataset}],
                        added={t: added.get(t, 0) for t in tables})


def _grader_of(spec: Any) -> str | None:
    roles = getattr(spec, "model_roles", None) or {}
    grader = roles.get("grader")
    return getattr(grader, "model", None) if grader is not None else None
