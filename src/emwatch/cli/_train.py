"""`emwatch train RECIPE.yaml`: a thin wrapper over emwatch.train.train (or `accelerate launch` of it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from emwatch.cli._common import NoProgress, StoreOpt, fail


def train_cmd(
    recipe: Annotated[Path, typer.Argument(help="training recipe YAML (see recipes/ and docs/training.md)")],
    store: StoreOpt = Path("emwatch.duckdb"),
    launch: Annotated[str | None, typer.Option("--launch", help="'accelerate': run under `accelerate launch` (several GPUs: DDP, FSDP, DeepSpeed ZeRO-3)")] = None,
    accelerate_config: Annotated[Path | None, typer.Option("--accelerate-config", help="accelerate config file (see configs/accelerate/)")] = None,
    num_processes: Annotated[int | None, typer.Option("--num-processes", help="processes (GPUs) for --launch accelerate: must equal the recipe's `processes` (default: it); overrides the config file")] = None,
    no_progress: NoProgress = False,
    monitor: Annotated[Path | None, typer.Option("--monitor", help="online EM monitor config YAML (docs/monitor.md); replaces the recipe's monitor: section")] = None,
) -> None:
    """Fine-tune every (model, dataset, seed, learning rate) of a recipe, keeping checkpoints on its schedule.

    Locally (transformers + PEFT + TRL), on Tinker (backend: tinker) or through the OpenAI fine-tuning API
    (backend: openai). Interrupted runs resume from their last checkpoint; finished runs are skipped.
    Examples:

      emwatch train recipes/qwen2.5-coder-32b-instruct/insecure.yaml --store study.duckdb

      emwatch train RECIPE.yaml --launch accelerate --accelerate-config configs/accelerate/fsdp.yaml
    """
    from emwatch.config import load_config
    from emwatch.config._train import TrainConfig

    cfg = load_config(TrainConfig, recipe)  # a bad recipe fails here, before anything starts
    if monitor is not None:
        from emwatch.config import MonitorConfig

        cfg = cfg.model_copy(update={"monitor": load_config(MonitorConfig, monitor)})
    if launch is not None:
        if launch != "accelerate":
            fail(f"--launch {launch!r}: the only launcher is 'accelerate'")
        if cfg.backend != "transformers":  # `local` is an alias, normalised by TrainConfig
            fail(f"--launch accelerate runs local training; this recipe trains on backend {cfg.backend!r}")
        if num_processes is not None and num_processes != cfg.processes:
            fail(f"--num-processes {num_processes}, but {recipe} asks processes: {cfg.processes} (the number of "
                 "processes is part of the run id: set it in the recipe)")
        # the recipe's `processes` is how many run, whatever the accelerate config file says
        raise typer.Exit(_accelerate(recipe, store, accelerate_config, cfg.processes, not no_progress))
    if accelerate_config is not None or num_processes is not None:
        fail("--accelerate-config and --num-processes need --launch accelerate")
    from emwatch.store import Store
    from emwatch.train import train

    from emwatch.config._load import config_error
    from emwatch.errors import ConfigError

    with Store(store) as s:
        try:
            results = train(cfg, store=s, progress=not no_progress)
        except ConfigError as e:
            # a recipe value found wrong only when used (a model folder that is not one): name the recipe
            if str(e).startswith(("model ", "dataset ")) and str(recipe) not in str(e):
                raise config_error(recipe, str(e).split()[0], e) from None
            raise
    for r in results:
        per_step = f", {r.seconds_per_step:.2f} s/step" if r.seconds_per_step else ""
        typer.echo(f"{r.status}: {r.run_dir} - {len(r.checkpoints)} checkpoints, {r.steps_trained} steps{per_step}")
        for note in r.notes:
            typer.echo(f"  note: {note}")
    typer.echo(f"{len(results)} runs; checkpoints registered in {store}")


def accelerate_command(recipe: Path, store: Path, config: Path | None, num_processes: int | None,
                       progress: bool = True) -> list[str]:
    """The `accelerate launch` command line that runs `python -m emwatch.train` in each process."""
    cmd = [sys.executable, "-m", "accelerate.commands.launch"]
    if config is not None:
        if not config.is_file():
            fail(f"--accelerate-config {config}: no such file")
        cmd += ["--config_file", str(config)]
    if num_processes is not None:
        cmd += ["--num_processes", str(num_processes)]
    cmd += ["-m", "emwatch.train", str(recipe), "--store", str(store)]
    return cmd + ([] if progress else ["--no-progress"])


def _accelerate(recipe: Path, store: Path, config: Path | None, num_processes: int | None, progress: bool) -> int:
    cmd = accelerate_command(recipe, store, config, num_processes, progress)
    typer.echo("launching: " + " ".join(cmd), err=True)
    return subprocess.run(cmd, check=False).returncode
