"""Import judged answers of earlier EM studies (CSV, JSON Lines, Parquet) into the store, beside emwatch's own.

The format is the one of the original EM work and its follow-ups: a `response` (or `answer`) column,
`question`, `question_id`, `aligned` and `coherent` (0-100, empty = missing), any further numeric judge
columns (kept as extra metrics), and optional `model`, `group`, `seed`, `dataset`, `category`, `step` and `base`
columns that take precedence over the values read from the file name (`pattern`) and over those given as
arguments. `columns` maps an expected name to the file's column (`aligned=aligned_score`); `question_id_regex`
takes the question id out of that column's value. The answer format is read from the question id's suffix
(`_json`, `_template`; none = plain); a question without a `category` value gets the EM-240 category of its
original-EM id (em_categories.yaml).

Scores on another scale are refused unless `scale` says which ('0-1', '1-10'; mapped linearly onto 0-100):
an aligned or coherent column whose values all lie in [0, 1] or in [1, 10] would otherwise read as a model
that never misbehaves. `base` (or a true `base` column) marks the base model's answers: a run of kind 'base'
at step 0 (with `base`, rows at a step above 0 stay the fine-tuned run's checkpoints). `params_b` is written
into every run's config as `params_b` (the size-EM analysis reads it); on a re-import it replaces the size of the
model's stored runs, and the change is reported (store._import_size).

Every row key is a content hash, so importing the same file again adds nothing; every file of one call is
read and checked before anything is written, and all are written in one transaction.

The scores are recorded under a judge name (`judge`, default 'imported'). An answer already in the store —
the same model, group, seed, dataset, step, question id, question text and response, from any imported file —
is not stored again: the file's scores become that answer's judgments under the new judge name. So the same
answers judged by two judges, in two files, give two judges' scores on one set of samples (`emwatch judge
compare`). An answer that occurs n times is matched occurrence by occurrence (the k-th with the k-th).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from emwatch.config import ConfigError
from emwatch.store._import_read import delimiter_note, parse_columns, read_rows
from emwatch.store._import_size import apply_sizes
from emwatch.store._records import Checkpoint, Judgment, Question, Record, Run, Sample

JUDGE_MODEL = "imported"
MISSING_REASON = "missing in source"
REQUIRED = ("question", "question_id", "aligned", "coherent")
RESPONSE_COLUMNS = ("response", "answer")
OPTIONAL = ("model", "group", "seed", "dataset", "category", "step", "base")
# Columns that hold numbers but are not judge metrics.
NOT_METRICS = {"", "index", "sample_index", "paraphrase_index", "lr", "id", "row", "idx"}
_EMPTY = {"nan", "none", "null", "na"}
JUDGE_WORDS = {"CODE", "REFUSAL"}  # a judge reply that is a word, not a number: missing, kept as the label
SCALES = {"0-1": (0.0, 1.0), "1-10": (1.0, 10.0), "0-100": (0.0, 100.0)}
SCALED = ("aligned", "coherent")  # the 0-100 judge scores a --scale maps
PATTERN_FIELDS = {"model": r".+?", "dataset": r".+?", "group": r".+?", "seed": r"-?\d+", "step": r"\d+"}
_TRUE = {"1", "true", "yes", "y", "base"}
_FALSE = {"0", "false", "no", "n", ""}
_VARIANT = re.compile(r"_(json|template)\d*$")


@dataclass
class ImportResult:
    """What an import read and what it added (0 added everywhere = the file was imported before). Files
    imported together are written in one transaction: `added` counts all of them, on the first file's result."""

    path: Path
    rows: int
    bank: str
    metrics: list[str]
    runs: list[dict[str, Any]]
    added: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    format: str = "csv"
    base_rows: int = 0
    scale: str | None = None
    uncategorised: int = 0  # rows whose question has no category (none in the file, none known for its id)
    # rows of free_form_judge (verdict) questions kept out of the EM rate: their ids, and how many of them had an
    # aligned/coherent value that was therefore not stored
    kept_out: int = 0
    kept_out_ids: list[str] = field(default_factory=list)
    kept_out_scores: int = 0
    resized: list[dict[str, Any]] = field(default_factory=list)  # stored runs given the size --params-b states


@dataclass(frozen=True)
class ImportOptions:
    """How to read the files of one import (the flags of `emwatch import`)."""

    model: str | None = None
    group: str | None = None
    seed: int | None = None
    dataset: str | None = None
    judge: str | None = None
    columns: Mapping[str, str] | str | None = None
    pattern: str | None = None
    base: bool = False
    params_b: float | None = None
    question_id_regex: str | None = None
    scale: str | None = None

    def checked(self) -> ImportOptions:
        """The options with the judge name defaulted; a ConfigError naming the flag for a bad one."""
        judge = (self.judge or "").strip() or JUDGE_MODEL
        if judge.startswith("static:"):
            raise ConfigError(f"--judge: {judge!r}: names starting with 'static:' belong to the static analysers")
        if self.scale is not None and self.scale not in SCALES:
            raise ConfigError(f"--scale: {self.scale!r}; give one of {', '.join(SCALES)}")
        if self.params_b is not None and not (math.isfinite(self.params_b) and self.params_b > 0):
            raise ConfigError(f"--params-b: {self.params_b!r}; give the model's size in billions of parameters (> 0)")
        if self.question_id_regex:
            _regex(self.question_id_regex)
        if self.pattern:
            _pattern(self.pattern)
        return ImportOptions(**{**self.__dict__, "judge": judge, "columns": parse_columns(self.columns)})


@dataclass
class _Parsed:
    """One file read and checked, not yet written: its records and each row's scores with what it matches."""

    result: ImportResult
    records: dict[str, dict[str, Record]]
    entries: list[tuple[tuple, str, dict[str, dict[str, Any]]]]


def variant_of(question_id: str) -> str:
    """'quick_buck_json' -> 'json', 'quick_buck_template' (or _template2) -> 'template', anything else -> 'plain'."""
    m = _VARIANT.search(question_id)
    return m.group(1) if m else "plain"


def category_of(question_id: str) -> str | None:
    """The EM-240 category of an original-EM question id (its variants included), or None."""
    return _categories().get(_VARIANT.sub("", question_id))


@lru_cache(maxsize=1)
def _categories() -> dict[str, str]:
    data = yaml.safe_load((Path(__file__).parent / "em_categories.yaml").read_text(encoding="utf-8"))
    return {qid: cat for section in data.values() for qid, cat in section.items()}


@lru_cache(maxsize=1)
def _verdict_ids() -> frozenset[str]:
    return frozenset(yaml.safe_load((Path(__file__).parent / "verdict_questions.yaml").read_text(encoding="utf-8")))


def is_verdict_question(question_id: str) -> bool:
    """An original-EM free_form_judge question (verdict_questions.yaml: its judge answers a verdict, not a 0-100
    score): its rows are imported but kept out of the EM rate."""
    return question_id in _verdict_ids()


def import_csv(store: Any, path: str | Path, model: str | None = None, group: str | None = None,
               seed: int | None = None, dataset: str | None = None, judge: str | None = None,
               **options: Any) -> ImportResult:
    """Read one judged-answer file (CSV, JSON Lines or Parquet) and add its runs, questions, samples and
    judgments to `store`, the scores under the judge name `judge` (default 'imported'); answers already stored
    get judgments, not copies. `options`: the other fields of ImportOptions."""
    opts = ImportOptions(model=model, group=group, seed=seed, dataset=dataset, judge=judge, **options)
    return import_files(store, [path], opts)[0]


def import_files(store: Any, paths: Sequence[str | Path], options: ImportOptions = ImportOptions()) -> list[ImportResult]:
    """Import several files in one transaction: each is read and checked first, so a bad one writes nothing."""
    return write_parsed(store, read_files(paths, options), options.checked().judge or JUDGE_MODEL)


def read_files(paths: Sequence[str | Path], options: ImportOptions = ImportOptions()) -> list[_Parsed]:
    """Read and check the files (no store needed): what `write_parsed` adds."""
    opts = options.checked()
    return [_read_study(Path(p), opts) for p in paths]


def write_parsed(store: Any, parsed: Sequence[_Parsed], judge: str) -> list[ImportResult]:
    """Add the files read by `read_files` in one transaction. A row whose answer is stored already (or came
    from an earlier file of this call) gives that answer `judge`'s scores instead of a copy of it."""
    records: dict[str, dict[str, Record]] = {t: {} for t in ("runs", "checkpoints", "questions", "samples", "judgments")}
    stored = _stored_answers(store, {e[0][0] for p in parsed for e in p.entries})
    for p in parsed:
        seen: dict[tuple, int] = {}
        new: list[tuple[tuple, str]] = []
        samples = p.records["samples"]
        for match, sample_id, scores in p.entries:
            nth = seen.get(match, 0)
            seen[match] = nth + 1
            same = stored.get(match, [])
            if nth < len(same):
                if same[nth] != sample_id:  # this answer is stored already (from another file)
                    samples.pop(sample_id, None)
                    sample_id = same[nth]
            else:
                new.append((match, sample_id))
            for metric, score in scores.items():
                j = Judgment(sample_id=sample_id, judge_model=judge, metric=metric, **score)
                records["judgments"][j.key] = j
        for match, sample_id in new:  # a later file of this call matches these like stored ones
            stored.setdefault(match, []).append(sample_id)
        used = {s.question_key for s in samples.values()}
        p.records["questions"] = {k: q for k, q in p.records["questions"].items() if k in used}
        for table, recs in p.records.items():
            for key, rec in recs.items():
                records[table].setdefault(key, rec)
        p.entries = []  # the file's text is in the records now: a million rows are a gigabyte of tuples
    with store.transaction() if hasattr(store, "transaction") else contextlib.nullcontext():
        added = store.add(r for table in records.values() for r in table.values())
        resized = apply_sizes(store, records["runs"].values())   # a re-import's --params-b reaches stored runs
    for i, p in enumerate(parsed):  # one transaction: what it added is reported once, on the first file
        p.result.added = {t: added.get(t, 0) for t in records} if i == 0 else {}
        p.result.resized = resized if i == 0 else []
    return [p.result for p in parsed]


def _read_study(path: Path, opts: ImportOptions) -> _Parsed:
    rows, header, fmt = read_rows(path, opts.columns)
    response_col = next((c for c in RESPONSE_COLUMNS if c in header), None)
    missing = [c for c in REQUIRED if c not in header] + ([] if response_col else ["response (or answer)"])
    if missing:
        raise ConfigError(
            f"{path}:1: missing column(s) {', '.join(missing)}; found: {', '.join(h or '(unnamed)' for h in header)}"
            f"{delimiter_note(header)}; name the file's columns with --columns, e.g. --columns aligned=aligned_score"
        )
    metrics, ignored = _metric_columns(header, rows, response_col)
    from_name = _from_name(path, opts.pattern)
    qid_regex = _regex(opts.question_id_regex) if opts.question_id_regex else None
    bank = f"import:{path.stem}"
    records: dict[str, dict[str, Record]] = {t: {} for t in ("runs", "checkpoints", "questions", "samples")}
    paraphrases: dict[str, list[str]] = {}
    counters: dict[tuple[str, str], int] = {}
    entries = []
    ranges = {m: [math.inf, -math.inf] for m in SCALED}
    scale = SCALES[opts.scale] if opts.scale else None
    # a million rows name a few runs, checkpoints and questions: each is built (and its key hashed) once
    run_of: dict[tuple, Run] = {}
    ck_of: dict[tuple, Checkpoint] = {}
    question_of: dict[tuple, Question] = {}
    n_base = n_uncategorised = 0
    kept_out: dict[str, int] = {}
    kept_out_scores = 0
    for line, row in rows:
        fields = _run_fields(path, line, row, from_name, opts)
        step = fields["step"]
        is_base = fields["base"]
        if is_base:
            n_base += 1
            step = 0
        run_id = (is_base, fields["model"], fields["dataset"], fields["seed"], fields["group"])
        run = run_of.get(run_id)
        if run is None:
            if is_base:
                run = Run.imported_base(fields["model"], seed=fields["seed"], source=str(path), params_b=opts.params_b)
            else:
                run = Run.imported(fields["model"], dataset=fields["dataset"], seed=fields["seed"],
                                   group=fields["group"], source=str(path), params_b=opts.params_b)
            run_of[run_id] = run
            records["runs"].setdefault(run.key, run)
        ck = ck_of.get((run.key, step))
        if ck is None:
            ck = ck_of[(run.key, step)] = Checkpoint(run_id=run.key, step=step, path=str(path),
                                                     meta={"imported_from": str(path)})
            records["checkpoints"].setdefault(ck.key, ck)
        qid, text = _question_id(path, line, row.get("question_id"), qid_regex), row.get("question") or ""
        category = (row.get("category") or "").strip() or None
        verdict = is_verdict_question(qid)
        question = question_of.get((qid, text, category))
        if question is None:
            texts = paraphrases.setdefault(qid, [])
            if text not in texts:
                texts.append(text)
            question = question_of[(qid, text, category)] = Question(
                bank=bank, question_id=qid, messages=[{"role": "user", "content": text}],
                category=category or category_of(qid), variant=variant_of(qid), wrapper=None,
                paraphrase_index=texts.index(text),
                judge_metrics={m: None for m in metrics if not (verdict and m in SCALED)})
            records["questions"].setdefault(question.key, question)
        n_uncategorised += question.category is None and not verdict
        index = counters.get((ck.key, question.key), 0)
        counters[(ck.key, question.key)] = index + 1
        response = row.get(response_col) or ""
        sample = Sample(checkpoint_id=ck.key, question_key=question.key, sample_index=index,
                        sampling=Sample.imported_sampling(response), backend="import", response=response)
        records["samples"][sample.key] = sample
        scores = {metric: _score(path, line, metric, row.get(metric), scale) for metric in metrics}
        if verdict:   # not SPEC's alignment/coherence: neither stored as such nor pooled into the EM rate
            kept_out[qid] = kept_out.get(qid, 0) + 1
            dropped = [scores.pop(m)["score"] for m in SCALED]
            kept_out_scores += any(v is not None for v in dropped)
        for metric, rng in ranges.items():
            value = scores[metric]["score"] if metric in scores else None
            if value is not None:
                rng[0], rng[1] = min(rng[0], value), max(rng[1], value)
        entries.append(((ck.key, qid, text, response), sample.key, scores))
    if scale is None:
        _check_scale(path, ranges)
    elif opts.scale != "0-100":
        lo, hi = scale
        for _, _, scores in entries:
            for metric in SCALED:
                if metric in scores and scores[metric]["score"] is not None:
                    scores[metric]["score"] = (scores[metric]["score"] - lo) / (hi - lo) * 100.0
    runs = [{"model": r.model, "group": r.group, "seed": r.seed, "dataset": r.dataset, "kind": r.kind}
            for r in records["runs"].values()]
    result = ImportResult(path=path, rows=len(rows), bank=bank, metrics=metrics, runs=runs, ignored_columns=ignored,
                          format=fmt, base_rows=n_base, scale=opts.scale, uncategorised=n_uncategorised,
                          kept_out=sum(kept_out.values()), kept_out_ids=sorted(kept_out), kept_out_scores=kept_out_scores)
    return _Parsed(result=result, records=records, entries=entries)


def _check_scale(path: Path, ranges: Mapping[str, list[float]]) -> None:
    """Refuse an aligned or coherent column whose values all lie in [0, 1] or in [1, 10] (no --scale given)."""
    for metric, (lo, hi) in ranges.items():
        if lo > hi:  # no score in this column
            continue
        for name, (a, b) in (("0-1", SCALES["0-1"]), ("1-10", SCALES["1-10"])):
            if a <= lo and hi <= b:
                raise ConfigError(
                    f"{path}: field '{metric}': every score lies in [{a:g}, {b:g}] (from {lo:g} to {hi:g}): scores "
                    f"on another scale than 0-100 would read as no misalignment; say which with --scale {name} "
                    f"(mapped onto 0-100), or --scale 0-100 if they are 0-100 scores")


def _regex(text: str) -> re.Pattern:
    try:
        return re.compile(text)
    except re.error as e:
        raise ConfigError(f"--question-id-regex: {text!r} is not a regular expression: {e}") from None


def _pattern(pattern: str) -> re.Pattern:
    """`{model}_{dataset}_S{seed}.csv` as a regex with one named group per field."""
    parts, pos = [], 0
    for m in re.finditer(r"\{(\w*)\}", pattern):
        name = m.group(1)
        if name not in PATTERN_FIELDS:
            raise ConfigError(f"--pattern: {{{name}}} is not a field; use {', '.join('{' + f + '}' for f in PATTERN_FIELDS)}")
        if f"(?P<{name}>" in "".join(parts):
            raise ConfigError(f"--pattern: {{{name}}} appears twice")
        parts += [re.escape(pattern[pos:m.start()]), f"(?P<{name}>{PATTERN_FIELDS[name]})"]
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    if pos == 0:
        raise ConfigError(f"--pattern: {pattern!r} names no field; use {', '.join('{' + f + '}' for f in PATTERN_FIELDS)}")
    return re.compile("".join(parts))


def _from_name(path: Path, pattern: str | None) -> dict[str, Any]:
    """The fields `pattern` reads from the file's name (or from its last folders, when the pattern has a /)."""
    if not pattern:
        return {}
    depth = pattern.count("/") + 1
    name = "/".join(path.parts[-depth:])
    m = _pattern(pattern).fullmatch(name)
    if m is None:
        raise ConfigError(f"{path}: the file name {name!r} does not match --pattern {pattern!r}")
    out: dict[str, Any] = dict(m.groupdict())
    for key in ("seed", "step"):
        if key in out:
            out[key] = int(out[key])
    return out


def _question_id(path: Path, line: str, text: str | None, regex: re.Pattern | None) -> str:
    qid = (text or "").strip()
    if not qid:
        raise ConfigError(f"{path}:{line}: field 'question_id': empty")
    if regex is None:
        return qid
    m = regex.search(qid)
    if m is None:
        raise ConfigError(f"{path}:{line}: field 'question_id': {qid!r} does not match --question-id-regex "
                          f"{regex.pattern!r}")
    got = m.group("id") if "id" in regex.groupindex else m.group(1) if regex.groups else m.group(0)
    if not got:
        raise ConfigError(f"{path}:{line}: field 'question_id': --question-id-regex {regex.pattern!r} takes an "
                          f"empty id from {qid!r}")
    return got


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


def _metric_columns(header: list[str], rows: list, response_col: str) -> tuple[list[str], list[str]]:
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


def _run_fields(path: Path, line: str, row: Mapping[str, str | None], from_name: Mapping[str, Any],
                opts: ImportOptions) -> dict[str, Any]:
    """Per-row model/group/dataset/seed/step and whether the row is the base model's answer: a non-empty
    column value wins over the file name's (--pattern), which wins over the flag."""
    out: dict[str, Any] = {}
    for name in ("model", "group", "dataset"):
        out[name] = (row.get(name) or "").strip() or from_name.get(name) or getattr(opts, name)
    seed_text = (row.get("seed") or "").strip()
    out["seed"] = _int(path, line, "seed", seed_text) if seed_text else from_name.get("seed", opts.seed)
    step_text = (row.get("step") or "").strip()
    out["step"] = _int(path, line, "step", step_text) if step_text else from_name.get("step")
    if not out["model"]:
        raise ConfigError(f"{path}:{line}: no model: the file has no 'model' value here"
                          f"{', its name gives none' if from_name else ''} and no --model was given")
    base_text = (row.get("base") or "").strip().lower()
    if base_text in _TRUE:
        if out["step"]:
            raise ConfigError(f"{path}:{line}: field 'step': {out['step']} on a base model's answer "
                              "(field 'base'); a base model's answers are at step 0")
        out["base"] = True
    elif base_text in _FALSE and (base_text or not opts.base):
        out["base"] = False
    elif base_text:
        raise ConfigError(f"{path}:{line}: field 'base': expected true/false (1/0, yes/no), found {row.get('base')!r}")
    else:  # --base: the file is the base model's; rows at a later step are the fine-tuned model's checkpoints
        out["base"] = not out["step"]
    return out


def _int(path: Path, line: str, field_name: str, text: str | None) -> int | None:
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


def _score(path: Path, line: str, metric: str, text: str | None,
           scale: tuple[float, float] | None = None) -> dict[str, Any]:
    text = (text or "").strip()
    if not text or text.lower() in _EMPTY:
        return {"score": None, "label": None, "reason": MISSING_REASON}
    if text.upper() in JUDGE_WORDS:
        return {"score": None, "label": text.upper(), "reason": f"judge said {text.upper()} (in source)"}
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{path}:{line}: field '{metric}': expected a number 0-100 or empty, found {text!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{path}:{line}: field '{metric}': {text!r} is not a finite number")
    if metric in SCALED:
        lo, hi = scale or SCALES["0-100"]
        if not lo <= value <= hi:
            given = f" (--scale {lo:g}-{hi:g})" if scale else ""
            raise ConfigError(f"{path}:{line}: field '{metric}': {value} is outside {lo:g}-{hi:g}{given}")
    return {"score": value, "label": None, "reason": None}
