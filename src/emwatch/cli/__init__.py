"""The `emwatch` command line: each command is a thin wrapper over one stage function.

Every command shares one error path (`EmwatchGroup`: `error: ...` on stderr, exit 1, no traceback for an
expected failure), `--store/-s` and `--format/-f table|json|csv`; see `emwatch.cli._common`."""

from __future__ import annotations

from emwatch.cli._analysis import analyze, report
from emwatch.cli._bench import bench_app
from emwatch.cli._common import EmwatchGroup, new_app
from emwatch.cli._compare import judge_app
from emwatch.cli._data import data_app
from emwatch.cli._demo import demo
from emwatch.cli._doctor import doctor
from emwatch.cli._import import import_, upgrade
from emwatch.cli._models import models_app
from emwatch.cli._monitor import monitor_app
from emwatch.cli._run import run, status
from emwatch.cli._scan import scan
from emwatch.cli._stages import export, judge, sample
from emwatch.cli._train import train_cmd

app = new_app(
    name="emwatch",
    help=(
        "Run emergent-misalignment (EM) studies end to end: fine-tune (train), sample answers to the EM-240 "
        "benchmark at every checkpoint (sample), judge them (judge), and turn them into statistics (analyze) and "
        "an HTML report (report). Every stage reads from and writes to one DuckDB store (--store), so any stage "
        "can be rerun, resumed or moved to another machine. Start with `emwatch demo`."
    ),
)
app.command("demo")(demo)
app.command("train")(train_cmd)
app.command("sample")(sample)
app.add_typer(judge_app(judge), name="judge")
app.command("analyze")(analyze)
app.command("report")(report)
app.command("import")(import_)
app.command("upgrade")(upgrade)
app.command("export")(export)
app.command("scan")(scan)
app.command("run")(run)
app.command("status")(status)
app.command("doctor")(doctor)
app.add_typer(bench_app, name="bench")
app.add_typer(data_app, name="data")
app.add_typer(monitor_app, name="monitor")
app.add_typer(models_app, name="models")


def main() -> None:
    app()


__all__ = ["EmwatchGroup", "app", "main"]
