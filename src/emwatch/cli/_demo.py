"""`emwatch demo`: the small real study on the CPU."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emwatch.cli._common import ConfigOpt, NoProgress, backend_from_flags, fail, store_option


def demo(config: ConfigOpt = None,
         out: Annotated[str | None, typer.Option("--out", help="output folder (default demo_out)")] = None,
         store: Annotated[str | None, store_option("DuckDB result store (default OUT/emwatch.duckdb).")] = None,
         judge_url: Annotated[str | None, typer.Option("--judge-url", help="OpenAI-compatible endpoint of a real judge")] = None,
         judge_model: Annotated[str | None, typer.Option("--judge-model", help="the judge's served model name")] = None,
         judge_key_env: Annotated[str, typer.Option(help="environment variable with the judge's API key")] = "OPENAI_API_KEY",
         no_progress: NoProgress = False) -> None:
    """Run a small real EM study on the CPU (a few minutes on 2 cores).

    Runs the packaged demo study (studies/demo.yaml; --config: another study file) through the study job:
    LoRA-fine-tunes Qwen2.5-Coder-0.5B-Instruct (shipped in registry packages) on the built-in insecure-code set,
    keeps checkpoints, samples a subset of the EM-240 benchmark (in adaptive rounds) and held-out coding prompts at
    the base model and every checkpoint, judges them, and prints the EM rate, the answers the adaptive rule used
    and the vulnerable-code rate per step. Rerun to resume.
    """
    from emwatch.demo import run_demo

    judge = backend_from_flags(judge_url, judge_model, key_env=judge_key_env)
    con = Console()
    try:
        res = run_demo(config, out_dir=out, store=str(store) if store else None, judge=judge, progress=not no_progress, log=con.print)
    except RuntimeError as e:  # a task of the study failed (run_demo names them): one line, exit 1
        fail(str(e))
    t = Table("step", "EM rate [95% CI]", "n (excl.)", "answers used", "coherent", "vuln. code", "loss train/held-out",
              title="EM rate on the benchmark subset, answers used (adaptive rounds), and the task metric, per checkpoint")
    for r in res.table.itertuples():
        t.add_row(f"{r.step}{' base' if r.run_kind == 'base' else ''}",
                  f"{_pct(r.em_rate)} [{_pct(r.ci_low)}, {_pct(r.ci_high)}]", f"{_int(r.n)} ({_int(r.n_excluded)})",
                  _used(r), _pct(r.coherent_rate), f"{_pct(r.vulnerable_rate)} of {_int(r.n_code)}",
                  f"{_num(r.train_loss)} / {_num(r.heldout_loss)}")
    con.print(t)
    report = res.outputs.get("report")
    con.print(f"done in {res.seconds / 60:.1f} min. Outputs in {res.out_dir}/:\n"
              f"  store  {res.store_path}  (emwatch status --store {res.store_path}; "
              f"emwatch analyze --store {res.store_path} --by step)\n"
              f"  table  {res.table_csv}\n  plot   {res.plot_png}\n"
              + (f"  report {report}" if report else f"  report: emwatch report --store {res.store_path} --out {res.out_dir}/report"))


def _used(r) -> str:
    """'8 of 16 (above base)' where the adaptive rule decided the checkpoint; 'all' where it was sampled in full."""
    planned = getattr(r, "planned", None)
    if planned is None or planned != planned:
        return "all"
    return f"{int(r.used)} of {int(planned)} ({r.stop})"


def _pct(x) -> str:
    return "-" if x is None or x != x else f"{100 * x:.0f}%"


def _int(x) -> str:
    return "0" if x is None or x != x else str(int(x))


def _num(x) -> str:
    return "-" if x is None or x != x else f"{x:.3f}"
