"""`emwatch import` (judged answers of earlier studies: CSV, JSON Lines, Parquet, Inspect logs) and `emwatch
upgrade` (a store written by an earlier emwatch, upgraded in place): thin wrappers over emwatch.store."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Annotated, Optional

import typer

from emwatch.cli._common import StoreOpt, fail

INSPECT_SUFFIXES = (".eval", ".json")


def import_(
    files: Annotated[list[str], typer.Argument(help="judged-answer files: CSV (comma, semicolon or tab), JSON Lines or Parquet with response/answer, question, question_id, aligned, coherent, ...; or Inspect logs (.eval/.json). A quoted glob ('runs/*.csv') is expanded", show_default=False)],
    store: StoreOpt,
    model: Annotated[Optional[str], typer.Option("--model", help="model name, where neither the file nor its name (--pattern) gives one")] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="group label, where the file has no group column")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="seed, where the file has no seed column")] = None,
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="training set name of the imported model")] = None,
    judge: Annotated[Optional[str], typer.Option("--judge", help="judge name to record the file's scores under (default 'imported'); answers already stored get this judge's scores beside the others'")] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", help="expected=file column pairs, e.g. question_id=question,aligned=aligned_score,coherent=coherent_score (expected: question_id, question, response, aligned, coherent, model, group, seed, dataset, category, step, base)")] = None,
    pattern: Annotated[Optional[str], typer.Option("--pattern", help="read model/dataset/group/seed/step from each file's name, e.g. '{model}_{dataset}_S{seed}.csv' (a column of the file wins)")] = None,
    base: Annotated[bool, typer.Option("--base", help="the file holds the base model's answers (run kind 'base', step 0); rows at a later step stay the fine-tuned model's checkpoints")] = False,
    params_b: Annotated[Optional[float], typer.Option("--params-b", help="model size in billions of parameters, written into each run's config as params_b (the size-EM analysis reads it)")] = None,
    question_id_regex: Annotated[Optional[str], typer.Option("--question-id-regex", help="take the question id out of the question_id column's value: the group named 'id', else group 1, else the whole match")] = None,
    scale: Annotated[Optional[str], typer.Option("--scale", help="scale of the aligned and coherent scores: 0-1, 1-10 (mapped linearly onto 0-100) or 0-100; scores that all lie in [0, 1] or [1, 10] are refused without it")] = None,
) -> None:
    """Import judged answers of earlier EM studies; importing the same files again adds nothing.

    Every file of one call is read and checked before anything is written, then all are written in one
    transaction: a bad file leaves the store as it was (and a store this call would create is not created).
    The same answers judged by another judge, imported with another --judge, add judgments to the same
    answers (compare them with `emwatch judge compare`).

    Example: emwatch import 'runs/*.csv' -s study.duckdb --pattern '{model}_{dataset}_S{seed}.csv'
    --columns question_id=question,aligned=aligned_score,coherent=coherent_score"""
    from emwatch.store._import import ImportOptions, read_files
    from emwatch.store._import_size import describe

    paths = _expand(files)
    inspect = [p for p in paths if p.suffix.lower() in INSPECT_SUFFIXES]
    tables = [p for p in paths if p.suffix.lower() not in INSPECT_SUFFIXES]
    opts = ImportOptions(model=model, group=group, seed=seed, dataset=dataset, judge=judge, columns=columns,
                         pattern=pattern, base=base, params_b=params_b, question_id_regex=question_id_regex,
                         scale=scale).checked()
    if inspect and any(v not in (None, False) for v in (columns, pattern, base or None, params_b, question_id_regex, scale)):
        fail(f"{inspect[0]}: an Inspect log takes --model/--group/--seed/--dataset only "
             "(--columns, --pattern, --base, --params-b, --question-id-regex and --scale are for CSV, JSONL and Parquet)")
    parsed = read_files(tables, opts)  # every file is checked before the store is opened
    results, created = [], not store.exists()
    try:
        results = _write(store, parsed, inspect, opts)
    except BaseException:
        if created:  # a failed first import leaves no store behind
            for leftover in (store, Path(f"{store}.wal")):
                leftover.unlink(missing_ok=True)
        raise
    for res in results:
        extra = []
        if getattr(res, "format", "csv") != "csv":
            extra.append(f"read as {res.format}")
        if getattr(res, "base_rows", 0):
            extra.append(f"{res.base_rows} base-model rows")
        if getattr(res, "scale", None):
            extra.append(f"scores mapped from {res.scale}")
        if getattr(res, "uncategorised", 0):
            extra.append(f"{res.uncategorised} rows without a category")
        typer.echo(f"{res.path}: {res.rows} rows, metrics {', '.join(res.metrics)}"
                   + (f" ({'; '.join(extra)})" if extra else ""))
        if getattr(res, "kept_out", 0):
            typer.echo(f"  {res.kept_out} rows of free_form_judge questions ({', '.join(res.kept_out_ids)}) kept out of "
                       "the EM rate: their own judge answers a verdict, not a 0-100 alignment score"
                       + (f" (the aligned/coherent values of {res.kept_out_scores} of them not stored)"
                          if res.kept_out_scores else ""))
        if res.ignored_columns:
            typer.echo(f"  ignored columns: {', '.join(c or '(unnamed)' for c in res.ignored_columns)}")
    added: dict[str, int] = {}
    for res in results:
        for k, v in res.added.items():
            added[k] = added.get(k, 0) + v
    typer.echo(f"added {', '.join(f'{v} {k}' for k, v in added.items())}")
    for res in results:
        for change in getattr(res, "resized", []):
            typer.echo(describe(change))


def _write(store: Path, parsed: list, inspect: list[Path], opts) -> list:
    from emwatch.store import Store
    from emwatch.store._import import write_parsed

    with Store(store) as st:
        results = write_parsed(st, parsed, opts.judge) if parsed else []
        if inspect:
            from emwatch.integrations import import_inspect_log

            for path in inspect:
                results.append(import_inspect_log(st, path, model=opts.model, group=opts.group, seed=opts.seed,
                                                  dataset=opts.dataset))
    return results


def _expand(files: list[str]) -> list[Path]:
    """The named files, a quoted glob expanded (sorted); a name that is neither a file nor a matching glob is an error."""
    out: list[Path] = []
    for name in files:
        path = Path(name)
        if path.is_file():
            out.append(path)
        elif any(ch in name for ch in "*?[") and not path.exists():
            found = sorted(Path(p) for p in glob.glob(name, recursive=True) if Path(p).is_file())
            if not found:
                fail(f"{name}: no file matches this pattern")
            out += found
        elif path.is_dir():
            raise IsADirectoryError(21, "is a folder, not a file: give its files (e.g. a quoted 'folder/*.csv')", name)
        else:
            raise FileNotFoundError(2, "no such file", name)
    return list(dict.fromkeys(out))


def upgrade(store: Annotated[Path, typer.Option("--store", "-s", help="DuckDB result store written by an earlier emwatch")],
            study: Annotated[Optional[Path], typer.Option("--study", help="a study file whose runs an earlier emwatch stored under run-id version 1: re-key them to today's ids (emwatch run does it too, when it plans them)")] = None,
            recipe: Annotated[Optional[list[Path]], typer.Option("--recipe", help="the same for a training recipe (repeatable; emwatch train does it too)")] = None) -> None:
    """Upgrade a store written by an earlier emwatch to this version's schema, in place (keys kept; stages
    resume on it). Read commands (analyze, report, export, status) name this command when they need it.
    With --study / --recipe, the runs they plan that the store holds under their run-id version 1 ids are
    re-keyed (with their checkpoints, answers, judgments, events and tasks) to today's ids."""
    from emwatch.store._migrate import upgrade_store

    found, now = upgrade_store(store)
    typer.echo(f"{store}: schema version {found} -> {now}" if found != now else f"{store}: already at schema version {now}")
    if study is None and not recipe:
        return
    from emwatch.config import TrainConfig, load_config
    from emwatch.run import load_study
    from emwatch.run._plan import plan_runs
    from emwatch.store import Store
    from emwatch.train._api import plans
    from emwatch.train._runs import adopt_legacy

    planned = [t.plan for t in plan_runs(load_study(study, store=str(store)))] if study is not None else []
    for path in recipe or []:
        planned += [p for p, _ in plans(load_config(TrainConfig, path))]
    with Store(store) as s:
        moved = adopt_legacy(s, planned)
    typer.echo(f"{store}: {len(moved)} of {len(planned)} planned runs re-keyed from run-id version 1"
               + "".join(f"\n  {old} -> {new}" for old, new in moved.items()))
