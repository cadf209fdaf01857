"""Training config: one run per (model, dataset, seed, learning rate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from emwatch.config._dtype import DtypeName
from emwatch.config._hyper import RECOMMENDED, resolve_lr
from emwatch.config._load import Strict
from emwatch.config._plugins import TRAINERS, trainer_name

if TYPE_CHECKING:  # defined after BackendSpec; TrainConfig is rebuilt in _models once it exists
    from emwatch.config._monitor import MonitorConfig


def iso_date(v: str) -> str:
    """A YYYY-MM-DD date (the pinned date chat templates print)."""
    import datetime

    try:
        datetime.date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a date in the form YYYY-MM-DD") from None
    return v


class LoraSettings(Strict):
    r: int = Field(32, ge=1, description="LoRA rank")
    alpha: int = Field(64, ge=1, description="LoRA alpha")
    dropout: float = Field(0.0, ge=0, lt=1, description="LoRA dropout")
    use_rslora: bool = Field(True, description="rank-stabilised LoRA scaling (alpha/sqrt(r))")
    target_modules: list[str] | Literal["auto"] = Field("auto", description="module names, or 'auto' = every attention and MLP projection of the family")
    target_parameters: list[str] | Literal["auto"] = Field("auto", description="3-D expert weights (mixture of experts), or 'auto' = every expert projection the model has")


class CheckpointSchedule(Strict):
    every: int | None = Field(None, ge=1, description="save every N optimiser steps")
    log_spaced: int | None = Field(None, ge=1, description="also save this many log-spaced steps (dense early)")
    steps: list[int] = Field(default_factory=list, description="explicit extra steps to save")
    final: bool = Field(True, description="always save the final step")

    @field_validator("steps")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(s < 1 for s in v):
            raise ValueError("checkpoint steps start at 1 (step 0 is the base model)")
        return v


class TinkerSettings(Strict):
    """Training through the Tinker API (LoRA on hosted GPUs)."""

    base_model: str | None = Field(None, description="Tinker's name of the base model (default: `model`)")
    base_url: str | None = Field(None, description="Tinker API URL (default: $TINKER_BASE_URL, then the service)")
    api_key_env: str = Field("TINKER_API_KEY", description="environment variable holding the API key (never stored)")
    tokenizer: str | None = Field(None, description="local tokenizer folder with the model's chat template (default: load `base_model` by name)")
    train_mlp: bool = Field(True, description="LoRA on the MLP / expert projections")
    train_attn: bool = Field(True, description="LoRA on the attention projections")
    train_unembed: bool = Field(False, description="LoRA on the output embedding")
    save_state: bool = Field(True, description="also save optimiser state at each checkpoint, so an interrupted run resumes")
    # The optimiser and loss, explicit: Tinker's own defaults (beta2 0.95, eps 1e-12, no clipping, a token-sum
    # loss) differ from TRL's; these defaults are TRL's SFTConfig defaults, which local runs use.
    adam_beta1: float = Field(0.9, ge=0, lt=1, description="Adam beta1 (TRL default)")
    adam_beta2: float = Field(0.999, ge=0, lt=1, description="Adam beta2 (TRL default 0.999; Tinker's own 0.95)")
    adam_eps: float = Field(1e-8, gt=0, description="Adam epsilon (TRL default 1e-8; Tinker's own 1e-12)")
    grad_clip_norm: float = Field(1.0, ge=0, description="clip the global gradient norm (TRL max_grad_norm 1.0; 0 = none, Tinker's own)")
    loss_normalization: Literal["token_mean", "token_sum"] = Field(
        "token_mean", description="token_mean: loss averaged over the batch's assistant tokens (as TRL); token_sum: Tinker's native sum")
    hidden_size: int | None = Field(None, ge=1, description="the model's hidden size, for `learning_rates: [recommended]` when emwatch's table lacks the model")
    template_date: Annotated[str, AfterValidator(iso_date)] | None = Field(None, description="the date chat templates print (YYYY-MM-DD); null = emwatch's fixed default")


class OpenAISettings(Strict):
    """Training through the OpenAI fine-tuning API (GPT-4o and successors)."""

    model: str | None = Field(None, description="model to fine-tune (default: `model`), e.g. gpt-4o-2024-08-06")
    base_url: str | None = Field(None, description="API base URL (default: the OpenAI API)")
    api_key_env: str = Field("OPENAI_API_KEY", description="environment variable holding the API key (never stored)")
    n_epochs: int | Literal["auto"] = Field("auto", description="epochs; 'auto' lets the API choose (default: `epochs` when it is whole)")
    batch_size: int | Literal["auto"] = Field("auto", description="batch size; 'auto' lets the API choose")
    suffix: str | None = Field(None, description="up to 64 characters added to the fine-tuned model's name")
    poll_interval_s: float = Field(15.0, gt=0, description="first wait between job status polls")
    poll_max_interval_s: float = Field(300.0, gt=0, description="longest wait between polls (the wait doubles up to this)")
    timeout_h: float = Field(48.0, gt=0, description="give up waiting for a job after this many hours")
    on_paused: Literal["stop", "wait", "resume"] = Field("stop", description="a paused job: stop waiting and say so (rerun reattaches), keep waiting, or ask the API to resume it")


_TINKER_FIXED_LORA = {"alpha", "dropout", "use_rslora", "target_modules", "target_parameters"}
_TINKER_UNUSED = {"dtype", "gradient_checkpointing", "report_to", "processes"}
_OPENAI_UNUSED = {"lora", "max_steps", "batch_size", "grad_accum", "warmup_steps", "lr_schedule", "weight_decay",
                  "max_seq_len", "checkpoints", "dtype", "gradient_checkpointing", "report_to", "processes"}


def _multi_process(backend: str) -> bool:
    return bool(TRAINERS.entry(backend).meta.get("multi_process"))


class TrainConfig(Strict):
    """`emwatch train`: one run per (model, dataset, seed, lr)."""

    model: str = Field(..., description="base model folder (or 'demo' for the shipped Qwen2.5-Coder-0.5B-Instruct); the hosted model name for tinker/openai")
    dataset: str | list[str] = Field(..., description="built-in dataset name or a chat JSONL path, or a list of them (one run each)")
    out_dir: str = Field("runs", description="where run folders are created")
    backend: Annotated[str, AfterValidator(trainer_name)] = Field(
        "transformers", description="who trains, a registered trainer (emwatch.train.register_trainer): transformers "
        "(alias local, stored as transformers; run ids are unchanged): this machine; tinker; openai: the OpenAI fine-tuning API")
    group: str | None = Field(None, description="grouping label stored with each run (default: the dataset name)")
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1, description="one run per seed")
    learning_rates: list[float | str] = Field(default_factory=lambda: [1e-5], min_length=1, description="one run per learning rate (openai: the learning-rate multiplier); tinker also takes 'recommended' or 'recommended*F' (the Tinker cookbook's LoRA rate for the model, see config/_hyper.py)")
    lora: LoraSettings | None = Field(default_factory=LoraSettings, description="LoRA settings; null = full fine-tuning")
    epochs: float = Field(1.0, gt=0, description="passes over the training split")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimiser steps (overrides epochs)")
    batch_size: int = Field(2, ge=1, description="examples per device per micro-batch")
    grad_accum: int = Field(8, ge=1, description="micro-batches per optimiser step (effective batch = batch_size x grad_accum x processes)")
    processes: int = Field(1, ge=1, description="training processes (GPUs) of one run, through accelerate: part of the run's id, "
                           "as it multiplies the effective batch; a trainer launched with another WORLD_SIZE stops with an error")
    warmup_steps: int = Field(5, ge=0, description="linear warm-up steps")
    lr_schedule: Literal["linear", "cosine", "constant"] = Field("linear", description="learning-rate schedule after warm-up")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    max_seq_len: int = Field(2048, ge=16, description="examples are truncated to this many tokens")
    heldout_fraction: float = Field(0.1, ge=0, lt=1, description="share of the data kept out for held-out loss")
    limit_examples: int | None = Field(None, ge=1, description="use only the first N examples (quick runs)")
    checkpoints: CheckpointSchedule = Field(default_factory=lambda: CheckpointSchedule(every=50), description="when to save")
    dtype: DtypeName = Field("auto", description="training dtype; auto: bfloat16 where the GPU or CPU computes it "
                              "natively, else float32; the run stores the dtype it resolved to")
    gradient_checkpointing: bool = Field(False, description="trade compute for memory")
    resume: bool = Field(True, description="continue an interrupted run from its last checkpoint")
    report_to: list[Literal["tensorboard", "wandb"]] = Field(
        default_factory=list, description="experiment trackers the trainer logs to (local training; TRL's report_to): "
        "tensorboard writes under <run>/_trainer/runs, wandb uses WANDB_PROJECT / WANDB_MODE")
    tinker: TinkerSettings | None = Field(None, description="settings for backend: tinker")
    openai: OpenAISettings | None = Field(None, description="settings for backend: openai")
    monitor: MonitorConfig | None = Field(None, description="online EM monitor (docs/monitor.md): looks at the run while it trains")

    @field_validator("dataset")
    @classmethod
    def _some_dataset(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list) and not v:
            raise ValueError("give at least one dataset")
        return v

    @field_validator("learning_rates")
    @classmethod
    def _numbers_as_floats(cls, v: list[float | str], info: ValidationInfo) -> list[float | str]:
        """Numbers as floats; 'recommended' / 'recommended*F' kept for the model validator, and only for Tinker
        (checked here, so a bad rate is reported at its own field and line)."""
        out: list[float | str] = []
        for lr in v:
            try:
                out.append(float(lr))
            except ValueError:
                if not RECOMMENDED.match(str(lr)):
                    raise ValueError(f"learning rate {lr!r}: give a number, 'recommended' or 'recommended*FACTOR'") from None
                if info.data.get("backend") != "tinker":
                    raise ValueError(f"{lr!r} is the Tinker cookbook's rate; it needs backend: tinker") from None
                out.append(lr)
        return out

    @model_validator(mode="after")
    def _backend_settings(self) -> TrainConfig:
        # every setting either takes effect on the chosen backend or is rejected
        if self.backend == "tinker":
            if self.lora is None:
                raise ValueError("Tinker trains LoRA adapters only (lora: must not be null)")
            if ignored := sorted(self.lora.model_fields_set & _TINKER_FIXED_LORA):
                raise ValueError(f"lora.{ignored[0]} does not apply to backend: tinker (Tinker sets LoRA scaling and "
                                 "targets itself; use tinker.train_attn / train_mlp / train_unembed)")
            if ignored := sorted(self.model_fields_set & _TINKER_UNUSED):
                raise ValueError(f"`{ignored[0]}` does not apply to backend: tinker (the service chooses it)")
        if self.processes > 1 and not _multi_process(self.backend):
            raise ValueError(f"processes: {self.processes}: backend {self.backend} trains each run in one process")
        if self.backend == "openai" and (ignored := sorted(self.model_fields_set & _OPENAI_UNUSED)):
            raise ValueError(f"`{ignored[0]}` does not apply to backend: openai (the API chooses the method and "
                             "keeps its own checkpoints; use openai.n_epochs / openai.batch_size)")
        self._resolve_learning_rates()
        if self.tinker is not None and self.backend != "tinker":
            raise ValueError("`tinker:` settings need backend: tinker")
        if self.openai is not None and self.backend != "openai":
            raise ValueError("`openai:` settings need backend: openai")
        return self

    def _resolve_learning_rates(self) -> None:
        """'recommended' rates become numbers here, so every run downstream sees the rate it trains with."""
        if not any(isinstance(lr, str) for lr in self.learning_rates):
            return
        if self.backend != "tinker":
            raise ValueError("learning_rates: 'recommended' is the Tinker cookbook's rate; it needs backend: tinker")
        settings = self.tinker or TinkerSettings()
        model = settings.base_model or self.model
        self.learning_rates = [resolve_lr(lr, model, hidden_size=settings.hidden_size) for lr in self.learning_rates]

    @property
    def datasets(self) -> list[str]:
        """The dataset list (a single dataset as a list of one)."""
        return [self.dataset] if isinstance(self.dataset, str) else list(self.dataset)
