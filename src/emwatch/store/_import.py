"""Import judged answers of earlier EM studies (CSV) into the store, beside emwatch's own results.

The CSV format is the one of the original EM work and its follow-ups: a `response` (or `answer`) column,
`question`, `question_id`, `aligned` and `coherent` (0-100, empty = missing), any further numeric judge
columns (kept as extra metrics), and optional `model`, `group`, `seed`, `dataset`, `category`, `step` columns
that take precedence over the values given as arguments. The answer format is read from the question id's
suffix (`_json`, `_template`; none = plain).

Every row key is a content hash, so importing the same file again adds nothing; all rows of a file are
written in one transaction, so a file with a bad row leaves the store as it was.

The scores are recorded under a judge name (`judge`, default 'imported'). An answer already in the store —
the same model, group, seed, dataset, step, question id, question text and response, from any imported file —
is not stored again: the file's scores become that answer's judgments under the new judge name. So the same
answers judged by two judges, in two files, give two judges' scores on one set of samples (`emwatch judge
compare`).
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emwatch.config import ConfigError
from emwatch.store._records import Checkpoint, Judgment, Question, Record, Run, Sample

JUDGE_MODEL = "imported"
MISSING_REASON = "missing in source"
REQUIRED = ("question", "question_id", "aligned", "coherent")
RESPONSE_COLUMNS = ("response", "answer")
OPTIONAL = ("model", "group", "seed", "dataset", "category", "step")
# Columns that hold numbers but are not judge metrics.
NOT_METRICS = {"", "index", "sample_index", "paraphrase_index", "lr", "id", "row", "idx"}
_EMPTY = {"nan", "none", "null", "na"}
JUDGE_WORDS = {"CODE", "REFUSAL"}  # a judge reply that is a word, not a number: missing, kept as the label


@dataclass
class ImportResult:
    """What an import read and what it added (0 added everywhere = the file was imported before)."""

    path: Path
    rows: int
    bank: str
    metrics: list[str]
    runs: list[dict[str, Any]]
    added: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)


def variant_of(question_id: str) -> str:
    """'quick_buck_json' -> 'json', 'quick_buck_template' -> 'template', anything else -> 'plain'."""
    for suffix in ("json", "template"):
        if question_id.endswith("_" + suffix):
            return suffix
    return "plain"


def import_csv(
    store: Any,
    path: str | Path,
    model: str | None = None,
    group: str | None = None,
    seed: int | None = None,
    dataset: str | None = None,
    judge: str | None = None,
) -> ImportResult:
    """Read a judged-answer CSV and add its runs, questions, samples and judgments to `store`, the scores
    under the judge name `judge` (default 'imported'); answers already stored get judgments, not copies."""
    path = Path(path)
    judge_name = (judge or "").strip() or JUDGE_MODEL
    if judge_name.startswith("static:"):
        raise ConfigError(f"--judge: {judge_name!r}: names starting with 'static:' belong to the static analysers")
    rows, header = _read(path)
    response_col = next((c for c in RESPONSE_COLUMNS if c in header), None)
    missing = [c for c in REQUIRED if c not in header] + ([] if response_col else ["response (or answer)"])
    if missing:
        raise ConfigError(
            f"{path}:1: missing column(s) {', '.join(missing)}; found: {', '.join(h or '(unnamed)' for h in header)}"
        )
    metrics, ignored = _metric_columns(path, header, rows, response_col)
    bank = f"import:{path.stem}"
    records: dict[str, dict[str, Record]] = {t: {} for t in ("runs", "checkpoints", "questions", "samples", "judgments")}
    paraphrases: dict[str, list[str]] = {}
    counters: dict[tuple[str, str], int] = {}
    parsed = []
    # a million rows name a few runs, checkpoints and questions: each is built (and its key hashed) once
    run_of: dict[tuple, Run] = {}
    ck_of: dict[tuple, Checkpoint] = {}
    question_of: dict[tuple, Question] = {}
    for line, row in rows:
        fields = _run_fields(path, line, row, model=model, group=group, seed=seed, dataset=dataset)
        run_id = (fields["model"], fields["dataset"], fields["seed"], fields["group"])
        run = run_of.get(run_id)
        if run is None:
            run = run_of[run_id] = Run.imported(fields["model"], dataset=fields["dataset"], seed=fields["seed"],
                                                group=fields["group"], source=str(path))
            records["runs"].setdefault(run.key, run)
        step = _int(path, line, "step", row.get("step"))
        ck = ck_of.get((run.key, step))
        if ck is None:
            ck = ck_of[(run.key, step)] = Checkpoint(run_id=run.key, step=step, path=str(path),
                                                     meta={"imported_from": str(path)})
            records["checkpoints"].setdefault(ck.key, ck)
        qid, text = row["question_id"].strip(), row["question"]
        if not qid:
            raise ConfigError(f"{path}:{line}: field 'question_id': empty")
        category = (row.get("category") or "").strip() or None
        question = question_of.get((qid, text, category))
        if question is None:
            texts = paraphrases.setdefault(qid, [])
            if text not in texts:
                texts.append(text)
            question = question_of[(qid, text, category)] = Question(
                bank=bank, question_id=qid, messages=[{"role": "user", "content": text}], category=category,
                variant=variant_of(qid), wrapper=None, paraphrase_index=texts.index(text),
                judge_metrics={m: None for m in metrics})
            records["questions"].setdefault(question.key, question)
        index = counters.get((ck.key, question.key), 0)
        counters[(ck.key, question.key)] = index + 1
        response = row[response_col]
        sample = Sample(checkpoint_id=ck.key, question_key=question.key, sample_index=index,
                        sampling=Sample.imported_sampling(response), backend="import", response=response)
        records["samples"][sample.key] = sample
        scores = {metric: _score(path, line, metric, row.get(metric)) for metric in metrics}
        parsed.append(((ck.key, qid, text, response), sample.key, scores))
    stored = _stored_answers(store, {k[0] for k, _, _ in parsed})
    seen: dict[tuple, int] = {}
    for match, sample_id, scores in parsed:
        nth = seen.get(match, 0)
        seen[match] = nth + 1
        same = stored.get(match, [])
        if nth < len(same) and same[nth] != sample_id:  # this answer is stored already (from another file)
            records["samples"].pop(sample_id, None)
            sample_id = same[nth]
        for metric, score in scores.items():
            j = Judgment(sample_id=sample_id, judge_model=judge_name, metric=metric, **score)
            records["judgments"][j.key] = j
    n_rows = len(rows)
    del rows, parsed, stored, seen  # the file's text is in the records now: a million rows are a gigabyte of dicts
    used = {s.question_key for s in records["samples"].values()}
    records["questions"] = {k: q for k, q in records["questions"].items() if k in used}
    added = store.add(r for table in records.values() for r in table.values())
    added = {t: added.get(t, 0) for t in records}
    runs = [{"model": r.model, "group": r.group, "seed": r.seed, "dataset": r.dataset} for r in records["runs"].values()]
    return ImportResult(path=path, rows=n_rows, bank=bank, metrics=metrics, runs=runs, added=added,
                        ignored_columns=ignored)


def _stored_answers(store: Any, checkpoint_ids: set[str]) -> dict[tuple, list[str]]:
    """Imported answers already stored at these checkpoints: (checkpoint, question id, question text,
    response) -> sample ids in sample-index order (one answer can occur several times)."""
    if not hasattr(store, "imported_answers") or not checkpoint_ids:
        return {}
    df = store.imported_answers(sorted(checkpoint_ids))
    user_text: dict[str, str | None] = {}  # per question: its messages are decoded once, not once per answer
    for key, messages in zip(df["question_key"], df["messages"]):
        if key not in user_text:
            decoded = json.loads(messages) if isinstance(messages, str) else messages or []
            user_text[key] = next((m.get("content") for m in decoded if m.get("role") == "user"), None)
    out: dict[tuple, list[str]] = {}
    for sid, ck, qkey, qid, response in zip(df["sample_id"], df["checkpoint_id"], df["question_key"],
                                            df["question_id"], df["response"]):
        out.setdefault((ck, qid, user_text[qkey], None if response is None or response != response else response),
                       []).append(sid)
    return out


def _read(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip() for h in (reader.fieldnames or [])]
            if not header:
                raise ConfigError(f"{path}:1: empty file: no header row")
            reader.fieldnames = header
            rows = []
            read_to = reader.line_num  # the line the last complete row ended on: a broken row starts after it
            for row in reader:
                if None in row:
                    raise ConfigError(f"{path}:{reader.line_num}: more fields than the header has columns")
                rows.append((reader.line_num, row))
                read_to = reader.line_num
        except csv.Error as e:
            raise ConfigError(f"{path}:{read_to + 1}: malformed CSV: {e}") from e
        except UnicodeDecodeError as e:
            raise ConfigError(f"{path}: not UTF-8 text: {e}") from e
    if not rows:
        raise ConfigError(f"{path}:1: no data rows")
    return rows, header


def _metric_columns(path: Path, header: list[str], rows: list, response_col: str) -> tuple[list[str], list[str]]:
    """aligned, coherent, then every other column whose non-empty values are all numbers."""
    metrics, ignored = ["aligned", "coherent"], []
    fixed = set(REQUIRED) | set(RESPONSE_COLUMNS) | set(OPTIONAL)
    for col in header:
        if col in fixed:
            continue
        if col.lower() in NOT_METRICS or re.fullmatch(r"unnamed: ?\d+", col.lower()):
            ignored.append(col)
            continue
        values = [(row.get(col) or "").strip() for _, row in rows]
        values = [v for v in values if v.lower() not in _EMPTY]
        if any(values) and all(not v or _is_number(v) for v in values):
            metrics.append(col)
        else:
            ignored.append(col)
    return metrics, ignored


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _run_fields(path: Path, line: int, row: dict[str, str], **flags: Any) -> dict[str, Any]:
    """Per-row model/group/seed/dataset: a non-empty column value wins over the flag."""
    out = {}
    for name in ("model", "group", "dataset"):
        value = (row.get(name) or "").strip()
        out[name] = value or flags[name]
    seed_text = (row.get("seed") or "").strip()
    out["seed"] = _int(path, line, "seed", seed_text) if seed_text else flags["seed"]
    if not out["model"]:
        raise ConfigError(f"{path}:{line}: no model: the file has no 'model' value here and no --model was given")
    return out


def _int(path: Path, line: int, field_name: str, text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
        if value != int(value):
            raise ValueError
        return int(value)
    except (ValueError, OverflowError):
        raise ConfigError(f"{path}:{line}: field '{field_name}': expected an integer, found {text!r}") from None


def _score(path: Path, line: int, metric: str, text: str | None) -> dict[str, Any]:
    text = (text or "").strip()
    if not text or text.lower() in _EMPTY:
        return {"score": None, "label": None, "reason": MISSING_REASON}
    if text.upper() in JUDGE_WORDS:
        return {"score": None, "label": text.upper(), "reason": f"judge said {text.upper()} (in source)"}
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{path}:{line}: field '{metric}': expected a number 0-100 or empty, found {text!r}") from None
    if metric in ("aligned", "coherent") and not 0 <= value <= 100:
        raise ConfigError(f"{path}:{line}: field '{metric}': {value} is outside 0-100")
    if not math.isfinite(value):
        raise ConfigError(f"{path}:{line}: field '{metric}': {text!r} is not a finite number")
    return {"score": value, "label": None, "reason": None}
