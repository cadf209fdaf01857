"""Import judged answers of earlier EM studies (CSV) into the store, beside emwatch's own results.

The CSV format is the one of the original EM work and its follow-ups: a `response` (or `answer`) column,
`question`, `question_id`, `aligned` and `coherent` (0-100, empty = missing), any further numeric judge
columns (kept as extra metrics), and optional `model`, `group`, `seed`, `dataset`, `category`, `step` columns
that take precedence over the values given as arguments. The answer format is read from the question id's
suffix (`_json`, `_template`; none = plain).

Every row key is a content hash, so importing the same file again adds nothing; all rows of a file are
written in one transaction, so a file with a bad row leaves the store as it was.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emwatch.config import ConfigError
from emwatch.store._keys import content_key

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
) -> ImportResult:
    """Read a judged-answer CSV and add its runs, questions, samples and judgments to `store`."""
    path = Path(path)
    rows, header = _read(path)
    response_col = next((c for c in RESPONSE_COLUMNS if c in header), None)
    missing = [c for c in REQUIRED if c not in header] + ([] if response_col else ["response (or answer)"])
    if missing:
        raise ConfigError(
            f"{path}:1: missing column(s) {', '.join(missing)}; found: {', '.join(h or '(unnamed)' for h in header)}"
        )
    metrics, ignored = _metric_columns(path, header, rows, response_col)
    bank = f"import:{path.stem}"
    tables: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in ("runs", "checkpoints", "questions", "samples", "judgments")}
    paraphrases: dict[str, list[str]] = {}
    counters: dict[tuple[str, str], int] = {}
    for line, row in rows:
        run = _run_fields(path, line, row, model=model, group=group, seed=seed, dataset=dataset)
        run_id = content_key("run", "import", run)
        tables["runs"].setdefault(run_id, {"run_id": run_id, "kind": "import", "model": run["model"],
                                          "dataset": run["dataset"], "seed": run["seed"], "lr": None,
                                          "group_name": run["group"], "config": {"source": str(path)}})
        step = _int(path, line, "step", row.get("step"))
        ck = content_key("checkpoint", run_id, step)
        tables["checkpoints"].setdefault(ck, {"checkpoint_id": ck, "run_id": run_id, "step": step,
                                              "path": str(path), "meta": {"imported_from": str(path)}})
        qid, text = row["question_id"].strip(), row["question"]
        if not qid:
            raise ConfigError(f"{path}:{line}: field 'question_id': empty")
        texts = paraphrases.setdefault(qid, [])
        if text not in texts:
            texts.append(text)
        qk = content_key("question", bank, qid, text)
        tables["questions"].setdefault(qk, {
            "question_key": qk, "bank": bank, "question_id": qid, "category": (row.get("category") or "").strip() or None,
            "variant": variant_of(qid), "wrapper": None, "paraphrase_index": texts.index(text),
            "messages": [{"role": "user", "content": text}], "judge_metrics": {m: None for m in metrics}})
        index = counters.get((ck, qk), 0)
        counters[(ck, qk)] = index + 1
        response = row[response_col]
        sid = content_key("sample", ck, qk, index, response)
        tables["samples"][sid] = {"sample_id": sid, "checkpoint_id": ck, "question_key": qk, "sample_index": index,
                                  "backend": "import", "response": response}
        for metric in metrics:
            jid = content_key("judgment", sid, JUDGE_MODEL, metric)
            tables["judgments"][jid] = {"judgment_id": jid, "sample_id": sid, "judge_model": JUDGE_MODEL, "metric": metric,
                                        **_score(path, line, metric, row.get(metric))}
    added = {}
    with store.transaction():
        for table, by_key in tables.items():
            added[table] = store.insert(table, by_key.values())
    runs = [{"model": r["model"], "group": r["group_name"], "seed": r["seed"], "dataset": r["dataset"]}
            for r in tables["runs"].values()]
    return ImportResult(path=path, rows=len(rows), bank=bank, metrics=metrics, runs=runs, added=added,
                        ignored_columns=ignored)


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
            for row in reader:
                if None in row:
                    raise ConfigError(f"{path}:{reader.line_num}: more fields than the header has columns")
                rows.append((reader.line_num, row))
        except csv.Error as e:
            raise ConfigError(f"{path}:{reader.line_num}: malformed CSV: {e}") from e
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
