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
           judge_url: Annotated[str | None, typer.Option("--judge-url", help="with sample.adaptive: the judge's OpenAI-compatible endpoint (each round is judged before the next)")] = None,
           judge_model: Annotated[str | None, typer.Option("--judge-model", help="with sample.adaptive: the judge model (served name with --judge-url, else a local folder)")] = None,
           judge_key_env: Annotated[str, typer.Option(help="environment variable holding the judge's API key")] = "OPENAI_API_KEY",
           judge_config: Annotated[Path | None, typer.Option("--judge-config", help="with sample.adaptive: a judge config (metrics, coherence, backend) for the rounds")] = None,
           no_progress: NoProgress = False) -> None:
    """Sample answers to a question bank at every checkpoint in the store that lacks them.

    Resumable: rerun after a crash and only the missing answers are generated. With `adaptive:` in the config
    (docs/adaptive.md) each fine-tuned checkpoint is sampled and judged in rounds until the rule decides it,
    which needs a judge (--judge-url/--judge-model or --judge-config). Example:

      emwatch sample --store study.duckdb --config sample.yaml
    """
    from emwatch.sample import adaptive_on
    from emwatch.sample import sample as sample_stage
    from emwatch.store import Store

    cfg = load_config(SampleConfig, config, bank=bank, per_category=per_category, samples=samples)
    _check_plan(cfg, config)
    spec = backend_from_flags(url, model, flags=("--url", "--model"))
    if spec is not None:
        cfg = cfg.model_copy(update={"backend": spec})
    if adaptive_on(cfg):
        _sample_adaptive(store, cfg, load_config(JudgeConfig, judge_config),
                         backend_from_flags(judge_url, judge_model, key_env=judge_key_env), not no_progress)
        return
    with Store(store) as s:
        res = sample_stage(s, cfg, progress=not no_progress)
    for line in res.engines:
        typer.echo(f"engine {line}")
    typer.echo(f"{res.new_samples} new answers, {res.skipped} already stored, "
               f"{res.checkpoints} checkpoints x {res.prompts} prompts -> {store}")


def _sample_adaptive(store: Path, cfg: SampleConfig, jcfg: JudgeConfig, judge_spec, progress: bool) -> None:
    """`emwatch sample` under `sample.adaptive`: rounds sampled, judged and decided (emwatch.run.sample_adaptive)."""
    from emwatch.run import sample_adaptive
    from emwatch.sample import ADAPTIVE_NEEDS_JUDGE
    from emwatch.store import Store

    if judge_spec is not None:
        jcfg = jcfg.model_copy(update={"backend": judge_spec})
    if jcfg.backend is None:
        fail(ADAPTIVE_NEEDS_JUDGE)
    with Store(store) as s:
        res = sample_adaptive(s, cfg, jcfg, None, None, judge_name=jcfg.backend.model, progress=progress,
                              log=typer.echo if progress else None)
    for c in res.checkpoints:
        typer.echo(f"checkpoint {c['checkpoint_id'][:12]} ({c['model']}): {c['used']} of {c['planned']} answers "
                   f"used, {c['rounds']} rounds, stop: {c['stop']}; EM {c['k']}/{c['n']} "
                   f"[{100 * c['ci_low']:.1f}%, {100 * c['ci_high']:.1f}%]")
    typer.echo(f"{res.new_samples} new answers; adaptive checkpoints used {res.used} of {res.planned} planned "
               f"benchmark answers (+ {res.full_answers} sampled in full: base models, task prompts) -> {store}")


def _check_plan(cfg: SampleConfig, config: Path | None) -> None:
    """Build the prompts once before the store opens, so that a bad variant, wrapper, category or bank is
    reported with the config file and field it came from."""
    from emwatch.config._load import config_error
    from emwatch.errors import ConfigError
    from emwatch.sample._stage import build_plan_prompts

    try:
        build_plan_prompts(cfg)
    except ConfigError as e:
        text = str(e)
        if config is None or str(config) in text:
            raise
        field = next((f for f, marker in (("variants", "variant"), ("wrappers", "wrapper"),
                                          ("categories", "categor"), ("bank", "bank")) if marker in text), None)
        if field is None:
            raise
        raise config_error(config, field, e) from None


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
    from emwatch.metrics import METRICS, get_metric
    from emwatch.store import Store

    cfg = load_config(JudgeConfig, config, metrics=metrics.split(",") if metrics else None)
    spec = backend_from_flags(judge_url, judge_model, key_env=judge_key_env, logprobs=not no_logprobs,
                              tokenizer=judge_tokenizer) or cfg.backend
    if spec is None and [m for m in cfg.metrics if not (m in METRICS and get_metric(m).kind == "static")]:
        fail("no judge: give --judge-url/--judge-model or backend: in the config (static analysis alone: --metrics vulnerable)")
    with Store(store) as s:
        res = judge_stage(s, cfg.model_copy(update={"backend": spec}), progress=not no_progress)
    typer.echo(f"new judgments: {res.new or 'none'}; missing scores: {res.missing or 'none'} -> {store}")
    if res.pending:
        fail(f"{res.pending} judgments could not be made (last error: {res.last_error}); nothing was stored for "
             "them: rerun `emwatch judge` to judge them")


def export(store: StoreReadOpt,
           parquet: Annotated[Path | None, typer.Option("--parquet", help="folder to write one Parquet file per table")] = None,
           hf: Annotated[Path | None, typer.Option("--hf", help="folder to write the judged answers as a Hugging Face DatasetDict (with a dataset card)")] = None,
           split_by: Annotated[str, typer.Option("--split-by", help="with --hf: one split per value of this column (run_kind, model, group, ...; 'none' = one 'answers' split)")] = "run_kind",
           trackers: Annotated[str | None, typer.Option("--trackers", help="log per-checkpoint EM rates and monitor signals to these trackers: tensorboard,wandb (into each run's folder)")] = None,
           log_dir: Annotated[Path | None, typer.Option("--log-dir", help="with --trackers: one folder for all runs instead of their training folders")] = None,
           judge: Annotated[str | None, typer.Option("--judge", help="with --hf/--trackers: the judge whose scores are exported, where the store holds several judges of a metric (a name, or aligned=NAME,coherent=NAME); --parquet writes every judge's rows")] = None) -> None:
    """Export the store: every table as Parquet (for Spark, DuckDB on object storage, pandas), the judged answers
    as a Hugging Face dataset that `datasets.load_from_disk` reads back, and/or per-checkpoint EM rates to
    TensorBoard / W&B beside each run's training logs. Examples:

      emwatch export --store study.duckdb --hf answers_hf
      emwatch export --store study.duckdb --trackers tensorboard
    """
    from emwatch.store import Store

    if parquet is None and hf is None and trackers is None:
        fail("nothing to export: give --parquet DIR and/or --hf DIR and/or --trackers tensorboard,wandb")
    with Store(store, read_only=True) as s:
        if parquet is not None:
            for p in s.export_parquet(parquet):
                typer.echo(str(p))
        if hf is not None:
            from emwatch.integrations import export_answers_hf

            dd = export_answers_hf(s, hf, split_by=None if split_by == "none" else split_by, judge=judge)
            splits = ", ".join(f"{name} {len(d)}" for name, d in dd.items())
            typer.echo(f"answers ({splits}) -> {hf} (card: {hf / 'README.md'})")
        if trackers is not None:
            from emwatch.integrations import log_em_rates

            names = [t.strip() for t in trackers.split(",") if t.strip()]
            for run_id, folder in log_em_rates(s, names, log_dir=log_dir, judge=judge).items():
                typer.echo(f"EM rates of run {run_id[:8]} -> {', '.join(names)} in {folder}")
