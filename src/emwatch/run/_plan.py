"""A study's job, planned: its training runs (one per model recipe x dataset x seed x lr, with the ids the
trainers give them), and its size for `--dry-run` (runs, checkpoints, answers, judge calls, GPU-hours and
judge tokens), computed without training, loading or calling anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emwatch.config import TrainConfig
from emwatch.run._study import LoadedStudy, ModelRecipe


@dataclass
class RunTask:
    """One training run of the study: the single-run TrainConfig its task trains, and where it lives."""

    recipe: ModelRecipe
    cfg: TrainConfig  # this run's dataset, seed and learning rate only
    plan: Any  # emwatch.train.RunPlan: its id and its folder (the driver never plans a run again)
    n_train: int

    @property
    def facts(self):
        """What the run's trainer registered about itself (emwatch.train.TrainerFacts)."""
        from emwatch.train._facts import trainer_facts

        return trainer_facts(self.cfg.backend)

    @property
    def run_id(self) -> str:
        return self.plan.run_id

    @property
    def label(self) -> str:
        return self.plan.label

    def target(self) -> dict[str, Any]:
        p = self.plan
        return {"run_id": p.run_id, "model": p.model_name, "dataset": p.dataset, "seed": p.seed, "lr": p.lr}

    def total_steps(self) -> int | None:
        """Optimiser steps the run will take (None when the service decides, as OpenAI's does)."""
        return self.facts.total_steps(self.cfg, self.n_train)

    def checkpoint_steps(self) -> list[int]:
        return self.facts.checkpoint_steps(self.cfg, self.total_steps())


def plan_runs(loaded: LoadedStudy) -> list[RunTask]:
    """Every training run of the study, in lineup order, with the ids and folders its trainer gives it
    (`emwatch.train`'s own planning; each dataset is read and hashed once for the whole lineup). The ids hash
    the recipes as written (`dtype: auto` stays `auto`), so every machine plans the same ones."""
    from emwatch.data import data_hash, load_dataset
    from emwatch.train._runs import plan_run  # the trainers' run ids and folders, not a copy of them

    cache: dict[tuple[str, int | None], tuple[list, str]] = {}
    out = []
    for recipe in loaded.recipes:
        for dataset in recipe.cfg.datasets:
            key = (dataset, recipe.cfg.limit_examples)
            if key not in cache:
                records = load_dataset(dataset)
                records = records[: recipe.cfg.limit_examples] if recipe.cfg.limit_examples else records
                cache[key] = (records, data_hash(records))
            records, digest = cache[key]
            trained = recipe.cfg
            for seed in recipe.cfg.seeds:
                for lr in recipe.cfg.learning_rates:
                    plan = plan_run(trained, dataset, seed, lr, digest)
                    cfg = trained.model_copy(update={"dataset": dataset, "seeds": [seed], "learning_rates": [lr]})
                    out.append(RunTask(recipe, cfg, plan, int(len(records) * (1 - cfg.heldout_fraction))))
    return out


def base_models(runs: list[RunTask]) -> list[str]:
    return list(dict.fromkeys(r.plan.model_name for r in runs))


def prompts_per_checkpoint(loaded: LoadedStudy) -> tuple[int, int]:
    """(benchmark answers, held-out task answers) sampled at each checkpoint."""
    from emwatch.sample import build_plan_prompts

    prompts = build_plan_prompts(loaded.study.sample)
    bench = sum(p.samples for p in prompts if not p.bank.startswith("task_"))
    task = sum(p.samples for p in prompts if p.bank.startswith("task_"))
    return bench, task


def monitor_power(runs: list[RunTask]) -> list[dict[str, Any]]:
    """What each distinct online monitor of the lineup can see (emwatch.monitor.monitor_power), with the looks
    its runs plan (every `monitor.every` steps, else at each checkpoint): one entry per (config, looks)."""
    from emwatch.monitor import monitor_power as power_of

    seen: dict[tuple, dict[str, Any]] = {}
    for r in runs:
        m = r.cfg.monitor
        if m is None or m.judge is None:
            continue
        total = r.total_steps()
        looks = len(range(m.every, total + 1, m.every)) if m.every and total else len(r.checkpoint_steps())
        key = (m.model_dump_json(), looks)
        if key not in seen:
            p = power_of(m, looks or None)
            seen[key] = {"monitor": m.name, "runs": 0, "probe_answers": p.n, "looks": looks, "alpha": p.alpha,
                         "p0": round(p.p0, 4), "detectable_within_1": p.within1, "detectable_within_2": p.within2,
                         "warning": p.warn, "answers_needed": p.needed, "text": p.text()}
        seen[key]["runs"] += 1
    return list(seen.values())


def size(loaded: LoadedStudy, runs: list[RunTask] | None = None) -> dict[str, Any]:
    """The plan's size and cost estimates, with the assumptions they rest on."""
    from emwatch.metrics import METRICS, get_domain, get_metric

    study, est = loaded.study, loaded.study.estimate
    runs = plan_runs(loaded) if runs is None else runs
    bases = base_models(runs)
    ckpts_per_run = {r.run_id: len(r.checkpoint_steps()) for r in runs}
    n_ckpts = sum(ckpts_per_run.values()) + len(bases) + len(study.evaluate)
    bench, task = prompts_per_checkpoint(loaded)
    answers = n_ckpts * (bench + task)
    llm_metrics = [m for m in study.judge.metrics if not (m in METRICS and get_metric(m).kind == "static")]
    task_static = bool(study.sample.task) and get_metric(get_domain(study.sample.task).metric).kind == "static"
    task_llm = 1 if study.sample.task and not task_static else 0  # static task metrics need no judge call
    judge_calls = n_ckpts * (bench * len(llm_metrics) + task * task_llm)
    static = n_ckpts * task if task_static and study.judge.static else 0

    train_gpu_h = 0.0
    hosted_steps = 0
    for r in runs:
        steps = r.total_steps() or 0
        if r.facts.hosted:
            hosted_steps += steps
            continue
        params = r.recipe.entry.params_b or 8.0
        train_gpu_h += steps * est.train_gpu_seconds_per_billion_step * params / 3600
    sample_gpu_h = 0.0
    for r in runs:
        if not r.facts.sampled_in_cluster:  # sampled through the service's API
            continue
        params = r.recipe.entry.params_b or 8.0
        per_s = est.sample_tokens_per_gpu_second * 8.0 / params
        sample_gpu_h += ckpts_per_run[r.run_id] * (bench + task) * est.answer_tokens / per_s / 3600
    judge_tokens_in = judge_calls * (est.judge_prompt_tokens + est.answer_tokens) * est.judge_digit_calls
    adaptive = adaptive_bill(loaded, runs, bench, len(bases) + len(study.evaluate), len(llm_metrics),
                             judge_calls - n_ckpts * bench * len(llm_metrics))
    return {
        "study": study.name,
        "models": len({r.recipe.index for r in runs}) + len({e.name for e in study.evaluate}),
        "base_models": len(bases),
        "runs": len(runs),
        "checkpoints": n_ckpts,
        "answers": answers,
        "answers_per_checkpoint": bench + task,
        "judge_calls": judge_calls,
        "static_analyses": static,
        "gpu_hours": {"train": round(train_gpu_h, 1), "sample": round(sample_gpu_h, 1),
                      "total": round(train_gpu_h + sample_gpu_h, 1)},
        "hosted_train_steps": hosted_steps,
        "judge_tokens": {"input": int(judge_tokens_in), "output": int(judge_calls * est.judge_digit_calls)},
        "adaptive": adaptive,
        "monitor": monitor_power(runs),
        "assumptions": {
            **est.model_dump(),
            "checkpoints": "each run's schedule (recipe or study) over its steps = ceil(epochs x train examples / "
                           "(batch_size x grad_accum)) or max_steps; plus one base checkpoint per base model and the "
                           "evaluate: entries; OpenAI runs: one per kept epoch (at most 3)",
            "gpu_hours": "local training and in-cluster sampling only (hosted Tinker / OpenAI training is counted in "
                         "hosted_train_steps); a model without params_b counts as 8B; sampling speed scales as 8B / size",
            "judge_tokens": "judge_calls x (judge template + answer tokens) in, one token out per call (logprob judge)",
        },
    }


def adaptive_bill(loaded: LoadedStudy, runs: list[RunTask], bench: int, full_ckpts: int, llm_metrics: int,
                  other_calls: int) -> dict[str, Any]:
    """Expected and maximum judge calls and tokens under the adaptive rule (the study's `sample.adaptive`, else its
    defaults), from the prior EM curve its settings state: a fine-tune's checkpoints at `prior_base_rate` before
    `prior_onset_fraction` of training, at `prior_em_rate` from there in a `prior_em_share` of runs. Base models
    and `evaluate:` checkpoints are judged in full; held-out task answers are not adaptive."""
    from emwatch.analysis._adaptive import expected_use
    from emwatch.config import AdaptiveConfig

    cfg = loaded.study.sample.adaptive or AdaptiveConfig()
    est = loaded.study.estimate
    memo: dict[float, float] = {}

    def use(rate: float) -> float:
        if rate not in memo:
            memo[rate] = expected_use(rate, cfg.prior_base_rate, bench, cfg)
        return memo[rate]

    expected = float(full_ckpts * bench)
    for r in runs:
        steps = r.checkpoint_steps()
        total = r.total_steps() or len(steps)
        for step in steps:
            em = cfg.prior_em_rate if step / total >= cfg.prior_onset_fraction else cfg.prior_base_rate
            expected += cfg.prior_em_share * use(em) + (1 - cfg.prior_em_share) * use(cfg.prior_base_rate)
    maximum = float(full_ckpts * bench + sum(len(r.checkpoint_steps()) for r in runs) * bench)
    per_call = (est.judge_prompt_tokens + est.answer_tokens) * est.judge_digit_calls

    def bill(answers: float) -> dict[str, int]:
        calls = answers * llm_metrics + other_calls
        return {"judge_calls": int(round(calls)), "judge_tokens_input": int(round(calls * per_call)),
                "judge_tokens_output": int(round(calls * est.judge_digit_calls))}

    exp, top = bill(expected), bill(maximum)
    return {
        "rule": {k: v for k, v in cfg.model_dump(mode="json").items() if not k.startswith("prior_")},
        "set_in_study": loaded.study.sample.adaptive is not None,
        "prior_curve": {k: v for k, v in cfg.model_dump().items() if k.startswith("prior_")},
        "expected": exp, "maximum": top,
        "expected_saving": round(top["judge_calls"] / exp["judge_calls"], 2) if exp["judge_calls"] else None,
        "expected_answers_per_checkpoint": {f"{rate:g}": round(u, 1) for rate, u in sorted(memo.items())},
    }
