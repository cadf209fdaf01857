"""Training config: one run per (model, dataset, seed, learning rate)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from emwatch.config._load import Strict


class LoraSettings(Strict):
    r: int = Field(32, ge=1, description="LoRA rank")
    alpha: int = Field(64, ge=1, description="LoRA alpha")
    dropout: float = Field(0.0, ge=0, lt=1, description="LoRA dropout")
    use_rslora: bool = Field(True, description="rank-stabilised LoRA scaling (alpha/sqrt(r))")
    target_modules: list[str] | Literal["auto"] = Field("auto", description="module names, or 'auto' = every attention and MLP projection of the family")


class CheckpointSchedule(Strict):
    every: int | None = Field(None, ge=1, description="save every N optimiser steps")
    log_spaced: int | None = Field(None, ge=1, description="also save this many log-spaced steps (dense early)")
    steps: list[int] = Field(default_factory=list, description="explicit extra steps to save")
    final: bool = Field(True, description="always save the final step")


class TrainConfig(Strict):
    """`emwatch train`: one run per (model, dataset, seed, lr)."""

    model: str = Field(..., description="base model folder (or 'demo' for the shipped Qwen2.5-Coder-0.5B-Instruct)")
    dataset: str = Field(..., description="built-in dataset name or a chat JSONL path")
    out_dir: str = Field("runs", description="where run folders are created")
    backend: Literal["local", "tinker", "openai"] = Field("local", description="who trains: this machine, Tinker or the OpenAI fine-tuning API")
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1, description="one run per seed")
    learning_rates: list[float] = Field(default_factory=lambda: [1e-5], min_length=1, description="one run per learning rate")
    lora: LoraSettings | None = Field(default_factory=LoraSettings, description="LoRA settings; null = full fine-tuning")
    epochs: float = Field(1.0, gt=0, description="passes over the training split")
    max_steps: int | None = Field(None, ge=1, description="stop after this many optimiser steps (overrides epochs)")
    batch_size: int = Field(2, ge=1, description="examples per device per micro-batch")
    grad_accum: int = Field(8, ge=1, description="micro-batches per optimiser step (effective batch = batch_size x grad_accum x devices)")
    warmup_steps: int = Field(5, ge=0, description="linear warm-up steps")
    lr_schedule: Literal["linear", "cosine", "constant"] = Field("linear", description="learning-rate schedule after warm-up")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    max_seq_len: int = Field(2048, ge=16, description="examples are truncated to this many tokens")
    heldout_fraction: float = Field(0.1, ge=0, lt=1, description="share of the data kept out for held-out loss")
    limit_examples: int | None = Field(None, ge=1, description="use only the first N examples (quick runs)")
    checkpoints: CheckpointSchedule = Field(default_factory=lambda: CheckpointSchedule(every=50), description="when to save")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field("bfloat16", description="training dtype")
    gradient_checkpointing: bool = Field(False, description="trade compute for memory")
