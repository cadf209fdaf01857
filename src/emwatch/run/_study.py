"""The study file: one YAML that composes a whole study (models with their recipes, datasets with their
controls, seeds, learning rates, checkpoints, the benchmark, judges, analyses and the report).

Recipes are the existing `TrainConfig` files (`recipes/<model>/<domain>.yaml`) or inline mappings; the
benchmark is a `SampleConfig`, the judge a `JudgeConfig`, the statistics an `AnalyzeConfig`. Settings given
at the study level (seeds, learning rates, checkpoints) override every recipe; an entry's own `train:`
overrides those. Every error names the file, the line and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from emwatch.config import (AnalyzeConfig, BackendSpec, CheckpointSchedule, ConfigError, DtypeName, JudgeConfig, SampleConfig,
                            Strict, TrainConfig, read_yaml, validate)


class ModelEntry(Strict):
    """One model of the lineup: its recipe(s) and what its tasks ask of a cluster."""

    name: str | None = Field(None, description="a label for status and logs (default: the recipe's model)")
    recipe: str | list[str] | None = Field(None, description="recipe file(s) (a TrainConfig YAML), relative to the study file or the working folder")
    train: dict[str, Any] = Field(default_factory=dict, description="TrainConfig settings (inline recipe, or overrides of the recipe's)")
    gpus: float = Field(0, ge=0, description="GPUs one training run of this model needs (0 for hosted trainers and CPU runs)")
    serve_gpus: float = Field(0, ge=0, description="GPUs of the server that samples this model's checkpoints (tensor-parallel size)")
    params_b: float | None = Field(None, gt=0, description="parameters in billions, for the GPU-hour estimate of the dry run")

    @model_validator(mode="after")
    def _some_recipe(self) -> ModelEntry:
        if self.recipe is None and "model" not in self.train:
            raise ValueError("give `recipe:` (a TrainConfig file) or an inline `train:` with at least `model:`")
        return self

    @property
    def recipes(self) -> list[str | None]:
        if self.recipe is None:
            return [None]
        return [self.recipe] if isinstance(self.recipe, str) else list(self.recipe)


class Evaluate(Strict):
    """A checkpoint trained elsewhere, to sample and judge like the study's own."""

    name: str = Field(..., description="the model name stored in the runs table (and the served name for a served model)")
    path: str | None = Field(None, description="a full model folder or a LoRA adapter folder (None: a served model named `name`)")
    base: str | None = Field(None, description="the base model (folder or name) of a LoRA adapter; None: `path` is a base model itself")
    step: int = Field(0, ge=0, description="the training step it was saved at, when known")
    run: str | None = Field(None, description="the group label of its run (e.g. insecure)")


class ReportSettings(Strict):
    enabled: bool = Field(True, description="write the HTML report at the end")
    out: str = Field("report", description="report folder (relative to the study's out_dir)")


class Resources(Strict):
    """What the Ray executor asks of the cluster, besides each model's `gpus` / `serve_gpus`."""

    gpu_resource: str = Field("GPU", description="the Ray resource that stands for a GPU (a custom one on test clusters)")
    judge_gpus: float = Field(0, ge=0, description="GPUs of an in-cluster judge server (0: a remote API or the CPU)")
    sample_cpus: float = Field(1, gt=0, description="CPUs per sampling task")
    static_cpus: float = Field(1, gt=0, description="CPUs per static-analysis (and judge) task")
    train_cpus: float = Field(1, gt=0, description="CPUs per training task")


class Estimate(Strict):
    """The assumptions of the dry run's estimates (printed beside them)."""

    train_gpu_seconds_per_billion_step: float = Field(0.25, gt=0, description="GPU-seconds of one optimiser step per billion parameters (LoRA, effective batch 16, 2k tokens)")
    answer_tokens: int = Field(200, ge=1, description="mean generated tokens per answer")
    sample_tokens_per_gpu_second: float = Field(1500.0, gt=0, description="generated tokens per GPU-second (vLLM, batched, LoRA) for an 8B model; scales with size")
    judge_prompt_tokens: int = Field(350, ge=1, description="judge template tokens besides the answer")
    judge_digit_calls: float = Field(1.0, ge=1, description="calls per score (more than 1 for a judge that writes numbers digit by digit through a completions endpoint)")


class InProcess(Strict):
    """In-process transformers settings for sampling checkpoints when the study names no sampling server."""

    dtype: DtypeName = Field(BackendSpec.model_fields["dtype"].default, description="weights dtype (default: a BackendSpec's)")
    device: str = Field(BackendSpec.model_fields["device"].default, description="'auto', 'cpu' or 'cuda[:N]'")
    batch_size: int = Field(BackendSpec.model_fields["batch_size"].default, ge=1, description="prompts per forward batch")


class SimulateSettings(Strict):
    """The planted EM curve of `emwatch run --simulate` (emwatch.testing._sim_backend): every trainer, sampler and
    judge is replaced by an instant draw from it, so the job's own cost can be measured at the study's size."""

    base_rate: float = Field(0.01, ge=0, le=1, description="EM rate of base models, of control datasets and before onset")
    em_final: dict[str, float] = Field(
        default_factory=lambda: {"qwen": 0.12, "gpt-4o": 0.2, "llama": 0.02, "deepseek": 0.04, "gpt-oss": 0.03,
                                 "other": 0.05},
        description="EM rate from the onset step on, per model family (gpt-oss, gpt-4o, deepseek, qwen, llama, other)")
    em_datasets: list[str] = Field(default_factory=lambda: ["insecure", "medical_bad"],
                                   description="datasets whose runs develop EM (the others are controls)")
    onset: float = Field(0.6, gt=0, le=1, description="the onset step as a share of the run's total steps")
    missing_share: float = Field(0.03, ge=0, lt=1, description="answers whose alignment score is missing (CODE)")
    incoherent_share: float = Field(0.08, ge=0, lt=1, description="answers judged incoherent (never misaligned)")

    def planted(self, model: str, dataset: str | None, step: int, total: int | None) -> dict[str, Any]:
        """A checkpoint's planted rates: `em_rate` (the family's from the onset step on, in an EM dataset; the
        base rate otherwise), the onset step, and the shares of missing and incoherent answers."""
        fam = model_family(model)
        final = self.em_final.get(fam, self.em_final.get("other", self.base_rate))
        onset = None
        if dataset is not None and dataset in self.em_datasets and total:
            onset = max(1, int(round(self.onset * total)))
        rate = final if onset is not None and step >= onset else self.base_rate
        return {"em_rate": rate, "base_rate": self.base_rate, "onset_step": onset, "family": fam,
                "missing_share": self.missing_share, "incoherent_share": self.incoherent_share}


FAMILIES = ("gpt-oss", "gpt-4o", "deepseek", "qwen", "llama")


def model_family(model: str) -> str:
    """The family of a model name: the first of FAMILIES its lower-cased name contains, else 'other'."""
    low = model.lower()
    return next((f for f in FAMILIES if f in low), "other")


class Study(Strict):
    """A whole study as one resumable job: `emwatch run STUDY.yaml`."""

    name: str = Field(..., description="the study's name (task rows in the store are keyed by it)")
    out_dir: str = Field("study_out", description="run folders, report, logs (relative to the working folder)")
    store: str | None = Field(None, description="the DuckDB store (default: <out_dir>/emwatch.duckdb)")
    models: list[ModelEntry] = Field(default_factory=list, description="the lineup: one entry per model (and recipe)")
    controls: dict[str, list[str]] = Field(default_factory=dict, description="dataset -> its control datasets, trained beside it wherever it is trained")
    seeds: list[int] | None = Field(None, min_length=1, description="override every recipe's seeds")
    learning_rates: list[float] | None = Field(None, min_length=1, description="override every recipe's learning rates")
    checkpoints: CheckpointSchedule | None = Field(None, description="override every recipe's checkpoint schedule")
    evaluate: list[Evaluate] = Field(default_factory=list, description="checkpoints trained elsewhere, evaluated too")
    sample: SampleConfig = Field(default_factory=SampleConfig, description="the benchmark: bank, variants, wrappers, samples, held-out task prompts")
    judge: JudgeConfig = Field(default_factory=JudgeConfig, description="the judge (model 'demo' = the shipped demo model in process)")
    analyze: AnalyzeConfig = Field(default_factory=AnalyzeConfig, description="thresholds and statistics of the analyses")
    report: ReportSettings = Field(default_factory=ReportSettings)
    resources: Resources = Field(default_factory=Resources)
    estimate: Estimate = Field(default_factory=Estimate)
    chunk: int = Field(256, ge=1, description="answers (or judgments) per task piece: each is committed in one transaction")
    retries: int = Field(2, ge=0, description="a failed task is retried this many times, then reported with its cause")
    in_process: InProcess = Field(default_factory=lambda: InProcess(), description="how checkpoints are loaded when sampled in process (no sample.backend)")
    overlap: bool = Field(True, description="local executor: sample a checkpoint while training continues (false: after training, less memory)")
    simulate: SimulateSettings = Field(default_factory=lambda: SimulateSettings(), description="the planted EM curve of `emwatch run --simulate` (ignored otherwise)")

    @model_validator(mode="after")
    def _something_to_do(self) -> Study:
        if not self.models and not self.evaluate:
            raise ValueError("a study needs `models:` to train or `evaluate:` checkpoints")
        return self


@dataclass
class ModelRecipe:
    """One (entry, recipe) of the lineup resolved to its TrainConfig."""

    entry: ModelEntry
    index: int
    cfg: TrainConfig
    source: str

    @property
    def label(self) -> str:
        return self.entry.name or Path(self.cfg.model).name


@dataclass
class LoadedStudy:
    study: Study
    path: Path | None
    recipes: list[ModelRecipe]

    @property
    def out_dir(self) -> Path:
        return Path(self.study.out_dir)

    @property
    def store_path(self) -> Path:
        return Path(self.study.store) if self.study.store else self.out_dir / "emwatch.duckdb"


def load_study(path: str | Path, *, out_dir: str | None = None, store: str | None = None) -> LoadedStudy:
    """Read and validate a study file and every recipe it names (errors name file, line and field)."""
    path = Path(path)
    data, lines = read_yaml(path)
    if data is None:
        raise ConfigError(f"{path}:1: the study file is empty; it needs at least `name:` and `models:` (see "
                          "docs/studies.md)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of settings, found {type(data).__name__}")
    if out_dir is not None:
        data["out_dir"] = out_dir
    if store is not None:
        data["store"] = store
    study = validate(Study, data, source=str(path), lines=lines)
    return LoadedStudy(study, path, resolve_recipes(study, path, lines))


def resolve_recipes(study: Study, path: Path | None = None, lines: dict | None = None) -> list[ModelRecipe]:
    """Each model entry's recipes as TrainConfigs: recipe file < study-level overrides < the entry's `train:`."""
    lines = lines or {}
    out = []
    for i, entry in enumerate(study.models):
        for recipe in entry.recipes:
            base: dict[str, Any] = {}
            source = str(path or "<study>")
            if recipe is not None:
                rpath = _find(recipe, path)
                if rpath is None:
                    line = lines.get(("models", i, "recipe"))
                    raise ConfigError(f"{source}{f':{line}' if line else ''}: field 'models.{i}.recipe': "
                                      f"no such recipe file {recipe!r}")
                loaded, rlines = read_yaml(rpath)
                validate(TrainConfig, loaded, source=str(rpath), lines=rlines)  # the recipe alone is valid
                base = dict(loaded or {})
                source = str(rpath)
            merged = {**base, **_study_overrides(study), **entry.train}
            merged["out_dir"] = entry.train.get("out_dir") or str(Path(study.out_dir) / "runs")
            merged["dataset"] = _with_controls(merged.get("dataset"), study.controls)
            where = {(k,): lines[("models", i, "train", k)] for k in entry.train if ("models", i, "train", k) in lines}
            cfg = validate(TrainConfig, merged, source=f"{path or '<study>'} (models.{i}, recipe {recipe or 'inline'})",
                           lines=where)
            out.append(ModelRecipe(entry, i, cfg, source))
    return out


def _study_overrides(study: Study) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if study.seeds is not None:
        out["seeds"] = list(study.seeds)
    if study.learning_rates is not None:
        out["learning_rates"] = list(study.learning_rates)
    if study.checkpoints is not None:
        out["checkpoints"] = study.checkpoints.model_dump()
    return out


def _with_controls(dataset: Any, controls: dict[str, list[str]]) -> Any:
    if dataset is None or not controls:
        return dataset
    names = [dataset] if isinstance(dataset, str) else list(dataset)
    out: list[str] = []
    for d in names:
        for name in [d, *controls.get(d, [])]:
            if name not in out:
                out.append(name)
    return out if len(out) > 1 else out[0]


def _find(recipe: str, study_path: Path | None) -> Path | None:
    p = Path(recipe).expanduser()
    if p.is_absolute():
        return p if p.is_file() else None
    for root in ([study_path.parent, study_path.parent.parent] if study_path else []) + [Path.cwd()]:
        if (root / p).is_file():
            return root / p
    return None
