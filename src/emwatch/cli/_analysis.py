"""`emwatch analyze`, `emwatch report` and `emwatch import`: thin wrappers over emwatch.analysis,
emwatch.report and the CSV importer. Register with app.command("analyze")(analyze), etc."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from emwatch.config import AnalyzeConfig, ConfigError, load_config

VIEWS = {
    # view name -> (StudyResults attribute, one line of help)
    "summary": ("summary", "the study table: per model size, EM per seed, consistency, onset, retention"),
    "consistency": ("consistency", "per configuration: seeds above base and the consistency verdict"),
    "size": ("size_stats", "size against EM: Pearson r, intervals, Spearman rho, leave-one-out r"),
    "size-points": ("size_points", "per model: parameters and EM rate"),
    "dynamics": ("milestones", "per run: convergence step, onset step, their gap"),
    "curves": ("dynamics", "per run and checkpoint: task metric, held-out loss, EM rate"),
    "early-stop": ("early_stop_summary", "per dataset and policy: retention and share of runs where EM is eliminated"),
    "early-stop-runs": ("early_stop", "per run and policy: chosen step, retention, EM there"),
    "lr": ("learning_rate", "per model and learning rate: EM rate and task metric"),
    "formats": ("formats", "EM rate per answer format, base and final checkpoints"),
    "adversarial": ("adversarial", "EM rate per adversarial wrapper: base, early-stopped, final"),
    "truthfulness": ("truthfulness_early_stop", "per run: untruthful at the end, and avoided by early stopping?"),
    "truthfulness-curves": ("truthfulness", "per run and checkpoint: untruthful rate"),
    "tasks": ("tasks", "per checkpoint: task metric (vulnerable / harmful share)"),
}

StoreOpt = Annotated[Path, typer.Option("--store", help="the DuckDB store to read")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="YAML file of AnalyzeConfig settings (thresholds, intervals)")]
SizesOpt = Annotated[Optional[Path], typer.Option("--sizes", help="YAML table of model sizes extending the packaged one")]
PolicyOpt = Annotated[str, typer.Option("--policy", help="early-stopping policy for the summary, adversarial and truthfulness views")]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _open_store(path: Path):
    from emwatch.store import Store, StoreError

    if not path.exists():
        _fail(f"{path}: no such store")
    try:
        return Store(path, read_only=True)
    except StoreError as e:
        _fail(str(e))


def _cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a frame as a table, JSON records or CSV on stdout."""
    df = df.drop(columns=[c for c in ("run_id", "checkpoint_id") if c in df and fmt == "table"])
    if fmt == "json":
        typer.echo(json.dumps(json.loads(df.to_json(orient="records", default_handler=str)), indent=1))
    elif fmt == "csv":
        out = df.apply(lambda c: c.map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v) if c.dtype == object else c)
        typer.echo(out.to_csv(index=False), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        cells = [[_cell(v) for v in row] for row in df.itertuples(index=False)]
        widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(df.columns)]
        table = Table(show_lines=False, header_style="bold")
        for c in df.columns:
            table.add_column(str(c), justify="right" if pd.api.types.is_numeric_dtype(df[c]) else "left")
        for row in cells:
            table.add_row(*row)
        Console(width=max(80, sum(widths) + 3 * len(widths) + 1), soft_wrap=True).print(table)


def analyze(
    store: StoreOpt,
    by: Annotated[str, typer.Option("--by", help="comma list of keys: model, group, seed, dataset, lr, step, category, variant, question_id, wrapper")] = "model",
    fmt: Annotated[str, typer.Option("--format", help="table | json | csv")] = "table",
    summary: Annotated[bool, typer.Option("--summary", help="print the study table (same as --view summary)")] = False,
    view: Annotated[Optional[str], typer.Option("--view", help="an analysis instead of plain rates: " + ", ".join(VIEWS))] = None,
    config: ConfigOpt = None,
    sizes: SizesOpt = None,
    policy: PolicyOpt = "task_convergence",
) -> None:
    """EM rates grouped by keys (n, n_excluded, em_rate, ci_low, ci_high, coherent_rate), or one of the
    study's analyses. Without `variant` / `wrapper` among the keys, rates count plain-format unwrapped
    answers only."""
    from emwatch.analysis import analyze_study, em_rates, load_answers, parse_keys
    from emwatch.analysis._early_stop import POLICIES

    if fmt not in ("table", "json", "csv"):
        _fail(f"--format must be table, json or csv, not {fmt!r}")
    if summary:
        view = "summary"
    if view is not None and view not in VIEWS:
        _fail(f"unknown view {view!r}; choose from {', '.join(VIEWS)}")
    if policy not in POLICIES:
        _fail(f"unknown early-stopping policy {policy!r}; registered: {', '.join(POLICIES)}")
    try:
        cfg = load_config(AnalyzeConfig, config)
        keys = parse_keys(by)
    except (ConfigError, ValueError) as e:
        _fail(str(e))
    st = _open_store(store)
    try:
        answers = load_answers(st)
        if view is None:
            b = answers
            if "wrapper" not in keys:
                b = b[b["wrapper"].isna()]
            if "variant" not in keys:
                b = b[b["variant"].isna() | (b["variant"] == "plain")]
            out = em_rates(b, keys, cfg)
        else:
            res = analyze_study(answers, cfg, sizes, policy)
            out = getattr(res, VIEWS[view][0])
    except (ConfigError, ValueError) as e:
        _fail(str(e))
    finally:
        st.close()
    emit(out, fmt)


def report(
    store: StoreOpt,
    out: Annotated[Path, typer.Option("--out", help="folder for report.html, figures/ and tables/")],
    config: ConfigOpt = None,
    sizes: SizesOpt = None,
    policy: PolicyOpt = "task_convergence",
    title: Annotated[Optional[str], typer.Option("--title", help="report title")] = None,
    answers: Annotated[int, typer.Option("--answers", help="how many lowest-alignment coherent answers to show")] = 60,
) -> None:
    """Write a self-contained offline HTML report with every figure (PNG, SVG) and table (CSV)."""
    from emwatch.analysis._early_stop import POLICIES
    from emwatch.report import write_report

    if policy not in POLICIES:
        _fail(f"unknown early-stopping policy {policy!r}; registered: {', '.join(POLICIES)}")
    try:
        cfg = load_config(AnalyzeConfig, config)
    except ConfigError as e:
        _fail(str(e))
    st = _open_store(store)
    try:
        result = write_report(st, out, cfg, sizes, policy, title, answers)
    except (ConfigError, ValueError, OSError) as e:
        _fail(str(e))
    finally:
        st.close()
    typer.echo(f"wrote {result.html} ({len(result.figures) // 2} figures, {len(result.tables)} tables) in {result.seconds:.1f} s")


def import_(
    file: Annotated[Path, typer.Argument(help="judged-answer CSV (response/answer, question, question_id, aligned, coherent, ...)")],
    store: Annotated[Path, typer.Option("--store", help="the DuckDB store to add to (created if missing)")],
    model: Annotated[Optional[str], typer.Option("--model", help="model name, where the file has no model column")] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="group label, where the file has no group column")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="seed, where the file has no seed column")] = None,
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="training set name of the imported model")] = None,
) -> None:
    """Import judged answers of an earlier EM study; importing the same file again adds nothing."""
    from emwatch.store import Store, StoreError
    from emwatch.store._import import import_csv

    if not file.exists():
        _fail(f"{file}: no such file")
    try:
        st = Store(store)
    except StoreError as e:
        _fail(str(e))
    try:
        res = import_csv(st, file, model=model, group=group, seed=seed, dataset=dataset)
    except ConfigError as e:
        _fail(str(e))
    finally:
        st.close()
    added = ", ".join(f"{v} {k}" for k, v in res.added.items())
    typer.echo(f"{file}: {res.rows} rows, metrics {', '.join(res.metrics)}; added {added}")
    if res.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(c or '(unnamed)' for c in res.ignored_columns)}")


def main() -> None:  # pragma: no cover - for `python -m emwatch.cli._analysis` while unregistered
    app = typer.Typer()
    app.command("analyze")(analyze)
    app.command("report")(report)
    app.command("import")(import_)
    app(sys.argv[1:])
