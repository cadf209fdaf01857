"""`emwatch judge compare`: agreement of two judges on the same answers (emwatch.analysis._agreement), and
the `judge` command group whose default action judges (so `emwatch judge --store ...` works as before)."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from emwatch.cli._common import ConfigOpt, Format, FormatOpt, StoreReadOpt, new_app
from emwatch.cli._output import emit, print_table
from emwatch.config import AnalyzeConfig, ConfigError, load_config


def judge_compare(
    store: StoreReadOpt,
    judges: Annotated[str, typer.Option("--judges", help="two judge names, comma-separated: reference first (A,B)")],
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
) -> None:
    """Compare two judges on the answers both scored: per metric n, mean absolute difference and Spearman's
    rho; on the misaligned label each judge's EM rate, Cohen's kappa and the EM-rate difference (B - A) with
    a paired bootstrap interval, overall and per category. Example:

      emwatch judge compare --store study.duckdb --judges gpt-4o-2024-08-06,qwen-judge --format json
    """
    from emwatch.analysis import agreement_table, judge_agreement, judge_frames
    from emwatch.store import Store

    names = [j.strip() for j in judges.split(",") if j.strip()]
    if len(names) != 2 or names[0] == names[1]:
        raise ConfigError(f"--judges: give two different judge names, comma-separated (got {judges!r})")
    cfg = load_config(AnalyzeConfig, config)
    with Store(store, read_only=True) as st:
        result = judge_agreement(judge_frames(st, names), cfg)
    table = agreement_table(result)
    emit(fmt, table, data=_json_safe(result), table=lambda: print_table(table))


def _json_safe(value: Any) -> Any:
    """NaN (an undefined statistic) as null, so the JSON output is valid JSON."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def judge_app(judge: Any) -> typer.Typer:
    """The `judge` group: `judge` itself judges (its options unchanged), `judge compare` compares judges."""
    app = new_app(name="judge", no_args_is_help=False)
    app.callback(invoke_without_command=True)(judge)
    app.command("compare")(judge_compare)
    return app
