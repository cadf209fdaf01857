"""`emwatch analyze` and `emwatch report`: thin wrappers over emwatch.analysis and emwatch.report
(`emwatch import` and `emwatch upgrade` are in cli/_import.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from emwatch.cli._common import ConfigOpt, Format, FormatOpt, StoreReadOpt
from emwatch.cli._output import emit, print_replay, print_table
from emwatch.config import AnalyzeConfig, load_config

SizesOpt = Annotated[Optional[Path], typer.Option("--sizes", help="YAML table of model sizes extending the packaged one")]
PolicyOpt = Annotated[str, typer.Option("--policy", help="early-stopping policy for the summary, adversarial and truthfulness views")]
JudgeOpt = Annotated[Optional[str], typer.Option(
    "--judge", help="the judge whose scores every number uses, where the store holds several judges of a metric: a "
                    "judge name, or aligned=NAME,coherent=NAME (default: the config's `judge`, else each metric's only "
                    "judge; `emwatch judge compare` compares judges)")]
VIEW_HELP = ("one of the study's analyses instead of plain rates: summary, consistency, size, size-points, dynamics, "
             "curves, early-stop, early-stop-runs, lr, formats, adversarial, truthfulness, truthfulness-curves, tasks, sensitivity "
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
    adaptive_replay: Annotated[bool, typer.Option("--adaptive-replay", help="replay the adaptive stopping rule on the stored answers: judge calls saved, decisions changed (docs/adaptive.md); -c: a replay or study file")] = False,
    judge: JudgeOpt = None,
) -> None:
    """EM rates grouped by keys (n, n_excluded, em_rate, ci_low, ci_high, coherent_rate), or one of the
    study's analyses, from one judge's scores (named in a `judge` column, and above the table). Without
    `variant` / `wrapper` among the keys, rates count plain-format unwrapped answers only: the same table as
    `emwatch.open(STORE).rates(by=[...])`."""
    from emwatch.analysis import analysis_table, resolve_judge
    from emwatch.store import Store

    if adaptive_replay:
        from emwatch.analysis import adaptive_replay as replay_store, load_replay_config

        rcfg = load_replay_config(config)
        with Store(store, read_only=True) as st:
            res = replay_store(st, rcfg, judge=judge)
        emit(fmt, None, data=res, table=lambda: print_replay(res))
        return
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
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, max=2, help="2: a helper process analyses about half of the models and draws some "
        "figures, on an idle core (more memory: a second model's frame); 1 (default): this process only")] = None,
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
        result = write_report(st, out, cfg, sizes, policy, title, answers, judge=judge, workers=workers)
    typer.echo(f"wrote {result.html} ({len(result.figures) // 2} figures, {len(result.tables)} tables) in {result.seconds:.1f} s")
