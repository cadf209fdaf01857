"""`emwatch sample`, `judge`, `export`: thin wrappers over the stage functions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emwatch.cli._common import ConfigOpt, NoProgress, StoreOpt, StoreReadOpt, backend_from_flags, fail, store_option
from emwatch.config import JudgeConfig, SampleConfig, load_config


def sample(store: StoreOpt, config: ConfigOpt = None,
           url: Annotated[str | None, typer.Option("--url", help="OpenAI-compatible endpoint serving the models (default: load each checkpoint in process)")] = None,
           model: Annotated[str | None, typer.Option("--model", help="served base model name (with --url)")] = None,
           bank: Annotated[str | None, typer.Option(help="question bank name or YAML file (default em240)")] = None,
           per_category: Annotated[int | None, typer.Option(help="at most N questions per category")] = None,
           samples: Annotated[int | None, typer.Option(help="samples per question")] = None,
           no_progress: NoProgress = False) -> None:
    """Sample answers to a question bank at every checkpoint in the store that lacks them.

    Resumable: rerun after a crash and only the missing answers are generated. Example:

      emwatch sample --store study.duckdb --config sample.yaml
    """
    from emwatch.sample import sample as sample_stage
    from emwatch.store import Store

    cfg = load_config(SampleConfig, config, bank=bank, per_category=per_category, samples=samples)
    spec = backend_from_flags(url, model, flags=("--url", "--model"))
    if spec is not None:
        cfg = cfg.model_copy(update={"backend": spec})
    with Store(store) as s:
        res = sample_stage(s, cfg, progress=not no_progress)
    typer.echo(f"{res.new_samples} new answers, {res.skipped} already stored, "
               f"{res.checkpoints} checkpoints x {res.prompts} prompts -> {store}")


def judge(ctx: typer.Context, store: Annotated[Path | None, store_option()] = None, config: ConfigOpt = None,
          judge_url: Annotated[str | None, typer.Option("--judge-url", help="OpenAI-compatible endpoint of the judge")] = None,
          judge_model: Annotated[str | None, typer.Option("--judge-model", help="judge model: served name with --judge-url, else a local HF folder")] = None,
          judge_key_env: Annotated[str, typer.Option(help="environment variable holding the judge's API key")] = "OPENAI_API_KEY",
          judge_tokenizer: Annotated[str | None, typer.Option(help="local tokenizer folder of a served judge that writes numbers digit by digit")] = None,
          no_logprobs: Annotated[bool, typer.Option("--no-logprobs", help="the server gives no logprobs: generate a number and parse it")] = False,
          metrics: Annotated[str | None, typer.Option(help="comma list of LLM metrics (default aligned,coherent)")] = None,
          no_progress: NoProgress = False) -> None:
    """Judge every stored answer that lacks a score: logprob 0-100 alignment and coherence, static analysis
    of code answers (never executed), harmfulness and truthfulness where the question asks for them.

    A score the judge cannot give is stored as missing with its reason, never as 0. Example:

      emwatch judge --store study.duckdb --judge-url https://api.openai.com/v1 --judge-model gpt-4o-2024-08-06

    On a store judged by another judge this adds the new judge's scores only. `emwatch judge compare` compares
    two judges on the answers both scored (docs/judges.md).
    """
    if ctx.invoked_subcommand is not None:  # `emwatch judge compare ...`: the subcommand does the work
        return
    if store is None:
        raise typer.BadParameter("missing: every judging run needs a store", ctx=ctx, param_hint="'--store' / '-s'")
    from emwatch.judge import judge as judge_stage
    from emwatch.store import Store

    cfg = load_config(JudgeConfig, config, metrics=metrics.split(",") if metrics else None)
    spec = backend_from_flags(judge_url, judge_model, key_env=judge_key_env, logprobs=not no_logprobs,
                              tokenizer=judge_tokenizer) or cfg.backend
    if spec is None and [m for m in cfg.metrics if m != "vulnerable"]:
        fail("no judge: give --judge-url/--judge-model or backend: in the config (static analysis alone: --metrics vulnerable)")
    with Store(store) as s:
        res = judge_stage(s, cfg.model_copy(update={"backend": spec}), progress=not no_progress)
    typer.echo(f"new judgments: {res.new or 'none'}; missing scores: {res.missing or 'none'} -> {store}")


def export(store: StoreReadOpt,
           parquet: Annotated[Path, typer.Option("--parquet", help="folder to write one Parquet file per table")]) -> None:
    """Export every table of the store as Parquet (for Spark, DuckDB on object storage, pandas)."""
    from emwatch.store import Store

    with Store(store, read_only=True) as s:
        paths = s.export_parquet(parquet)
    for p in paths:
        typer.echo(str(p))
