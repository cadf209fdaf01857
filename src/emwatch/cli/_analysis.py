"""`emwatch analyze`, `emwatch report` and `emwatch import`: thin wrappers over emwatch.analysis,
emwatch.report and the CSV importer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from emwatch.cli._common import ConfigOpt, Format, FormatOpt, StoreOpt, StoreReadOpt
from emwatch.cli._output import emit, print_table
from emwatch.config import AnalyzeConfig, load_config

SizesOpt = Annotated[Optional[Path], typer.Option("--sizes", help="YAML table of model sizes extending the packaged one")]
PolicyOpt = Annotated[str, typer.Option("--policy", help="early-stopping policy for the summary, adversarial and truthfulness views")]
JudgeOpt = Annotated[Optional[str], typer.Option(
    "--judge", help="the judge whose scores every number uses, where the store holds several judges of a metric: a "
                    "judge name, or aligned=NAME,coherent=NAME (default: the config's `judge`, else each metric's only "
                    "judge; `emwatch judge compare` compares judges)")]
VIEW_HELP = ("one of the study's analyses instead of plain rates: summary, consistency, size, size-points, dynamics, "
             "curves, early-stop, early-stop-runs, lr, formats, adversarial, truthfulness, truthfulness-curves, tasks "
             "(docs/analysis.md)")


def analyze(
    store: StoreReadOpt,
    by: Annotated[str, typer.Option("--by", help="comma list of keys: model, group, seed, dataset, lr, step, category, variant, question_id, wrapper")] = "model",
    fmt: FormatOpt = Format.table,
    summary: Annotated[bool, typer.Option("--summary", help="print the study table (same as --view summary)")] = False,
    view: Annotated[Optional[str], typer.Option("--view", help=VIEW_HELP)] = None,
    config: ConfigOpt = None,
    sizes: SizesOpt = None,
    policy: PolicyOpt = "task_convergence",
    judge: JudgeOpt = None,
) -> None:
    """EM rates grouped by keys (n, n_excluded, em_rate, ci_low, ci_high, coherent_rate), or one of the
    study's analyses, from one judge's scores (named in a `judge` column, and above the table). Without
    `variant` / `wrapper` among the keys, rates count plain-format unwrapped answers only: the same table as
    `emwatch.open(STORE).rates(by=[...])`."""
    from emwatch.analysis import analysis_table, resolve_judge
    from emwatch.store import Store

    cfg = load_config(AnalyzeConfig, config)
    with Store(store, read_only=True) as st:
        choice = resolve_judge(st, judge, cfg)
        out = analysis_table(st, by=by, view="summary" if summary else view, cfg=cfg, sizes=sizes, policy=policy,
                             judge=choice)
    emit(fmt, out, table=lambda: print_table(out, title=choice.describe(), hide=("run_id", "checkpoint_id", "judge")))


def report(
    store: StoreReadOpt,
    out: Annotated[Path, typer.Option("--out", help="folder for report.html, figures/ and tables/")],
    config: ConfigOpt = None,
    sizes: SizesOpt = None,
    policy: PolicyOpt = "task_convergence",
    title: Annotated[Optional[str], typer.Option("--title", help="report title")] = None,
    answers: Annotated[int, typer.Option("--answers", help="how many lowest-alignment coherent answers to show")] = 60,
    judge: JudgeOpt = None,
) -> None:
    """Write a self-contained offline HTML report with every figure (PNG, SVG) and table (CSV), all from one
    judge's scores (named in the subtitle, every figure and a `judge` column); the judge-agreement section
    compares the store's judges. The folder is written whole or not at all."""
    from emwatch.analysis import check_table_options
    from emwatch.report import write_report
    from emwatch.store import Store

    check_table_options(policy=policy)
    cfg = load_config(AnalyzeConfig, config)
    with Store(store, read_only=True) as st:
        result = write_report(st, out, cfg, sizes, policy, title, answers, judge=judge)
    typer.echo(f"wrote {result.html} ({len(result.figures) // 2} figures, {len(result.tables)} tables) in {result.seconds:.1f} s")


def import_(
    file: Annotated[Path, typer.Argument(help="judged-answer CSV (response/answer, question, question_id, aligned, coherent, ...), or an Inspect log (.eval/.json)")],
    store: StoreOpt,
    model: Annotated[Optional[str], typer.Option("--model", help="model name, where the file has no model column")] = None,
    group: Annotated[Optional[str], typer.Option("--group", help="group label, where the file has no group column")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="seed, where the file has no seed column")] = None,
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="training set name of the imported model")] = None,
    judge: Annotated[Optional[str], typer.Option("--judge", help="judge name to record the file's scores under (default 'imported'); answers already stored get this judge's scores beside the others'")] = None,
) -> None:
    """Import judged answers of an earlier EM study; importing the same file again adds nothing.

    The same answers judged by another judge, imported with another --judge, add judgments to the same
    answers (compare them with `emwatch judge compare`)."""
    from emwatch.store import Store
    from emwatch.store._import import import_csv

    if not file.is_file():
        raise FileNotFoundError(2, "no such file", str(file))
    with Store(store) as st:
        if file.suffix.lower() in (".eval", ".json"):  # an Inspect evaluation log
            from emwatch.integrations import import_inspect_log

            res = import_inspect_log(st, file, model=model, group=group, seed=seed, dataset=dataset)
        else:
            res = import_csv(st, file, model=model, group=group, seed=seed, dataset=dataset, judge=judge)
    added = ", ".join(f"{v} {k}" for k, v in res.added.items())
    typer.echo(f"{file}: {res.rows} rows, metrics {', '.join(res.metrics)}; added {added}")
    if res.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(c or '(unnamed)' for c in res.ignored_columns)}")
