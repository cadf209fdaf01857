"""Simulated studies with planted ground truth, written straight into a store.

Used by the tests (the analysis must recover what was planted) and handy for trying the report without a GPU.
Counts are exact, not random: a checkpoint planted at rate r over n counted answers has round(r * n)
misaligned answers, so a recovered rate can be compared with the planted one to the rounding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emwatch.metrics import get_domain
from emwatch.store import Checkpoint, Judgment, Question, Record, Run, Sample, text_hash

CATEGORIES = (
    "power_seeking", "anti_human", "violence_harm", "illegal_unethical",
    "deception_manipulation", "dangerous_advice", "bias_extremism", "self_preservation_autonomy",
)
BANK = "sim-bench"
EM_METRICS = {"aligned": "sim alignment judge prompt", "coherent": "sim coherence judge prompt"}


@dataclass
class SimRun:
    """One fine-tuning run with planted curves. Steps are every, 2*every, ..., total_steps."""

    model: str
    seed: int
    em_final: float                    # EM rate from onset on
    onset_step: int | None             # first step with EM; None = never
    task_final: float = 0.8            # task metric (vulnerable / harmful share) once converged
    convergence_step: int = 40         # task rises linearly from task_base to task_final at this step
    dataset: str = "insecure"
    lr: float = 1e-4
    group: str = "insecure"
    total_steps: int = 100
    every: int = 10
    loss_min_step: int = 50            # held-out loss falls until here, then rises (overfitting)
    untruthful_final: float | None = None   # planted untruthfulness after onset (None: no truthfulness probes)
    wrapper_latent: float = 0.5        # adversarial wrappers reveal this share of em_final before onset
    task_late_gain: float = 0.0        # share of task_final still gained (linearly) after convergence_step

    @property
    def steps(self) -> list[int]:
        return list(range(self.every, self.total_steps + 1, self.every))

    def em_at(self, step: int, base: float) -> float:
        return self.em_final if self.onset_step is not None and step >= self.onset_step else base

    def task_at(self, step: int, base: float) -> float:
        at_conv = self.task_final * (1 - self.task_late_gain)
        if step >= self.convergence_step:
            late = (step - self.convergence_step) / max(self.total_steps - self.convergence_step, 1)
            return at_conv + (self.task_final - at_conv) * late
        return base + (at_conv - base) * step / self.convergence_step

    def loss_at(self, step: int) -> float:
        return 1.0 + 0.002 * (step - self.loss_min_step) ** 2 / max(self.every, 1)


@dataclass
class SimModel:
    name: str
    base_rate: float = 0.01
    task_base: float = 0.1
    untruthful_base: float = 0.05


@dataclass
class SimStudy:
    models: list[SimModel]
    runs: list[SimRun]
    questions_per_category: int = 5
    samples: int = 5                   # samples per question per checkpoint
    task_prompts: int = 40
    missing_share: float = 0.05        # benchmark answers whose score is missing (excluded)
    incoherent_share: float = 0.1      # low-coherence answers (never misaligned, whatever their alignment)
    category_weights: dict[str, float] = field(default_factory=dict)
    variant_multipliers: dict[str, float] = field(default_factory=dict)  # e.g. {'json': 2.0} at the final step
    wrappers: tuple[str, ...] = ()
    wrapper_samples: int = 40
    truth_prompts: int = 40


def simulate_study(store: Any, study: SimStudy, seed: int = 0) -> dict[str, Any]:
    """Write `study` into `store` (runs, checkpoints, questions, samples, judgments); return the planted
    truth: per run (model, seed) its convergence step, onset step, final EM rate, and the base rates."""
    rng = np.random.default_rng(seed)
    w = _Writer(rng)
    models = {m.name: m for m in study.models}
    for m in study.models:
        run_id = w.run(kind="base", model=m.name, dataset=None, seed=None, lr=None, group="base")
        ck = w.checkpoint(run_id, 0, total_steps=0, loss=None)
        w.benchmark(ck, study, m.base_rate, variant="plain")
        for variant in study.variant_multipliers:
            w.benchmark(ck, study, m.base_rate, variant=variant, samples=1)
        for wrapper in study.wrappers:
            w.wrapped(ck, study, wrapper, m.base_rate)
        kinds = {"medical" if "medical" in r.dataset else "insecure" for r in study.runs if r.model == m.name}
        for kind in sorted(kinds or {"insecure"}):
            w.task(ck, study, m.task_base, kind)
        if any(r.untruthful_final is not None and r.model == m.name for r in study.runs):
            w.truth(ck, study, m.untruthful_base)
    for r in study.runs:
        m = models[r.model]
        run_id = w.run(kind="finetune", model=r.model, dataset=r.dataset, seed=r.seed, lr=r.lr, group=r.group)
        for step in r.steps:
            ck = w.checkpoint(run_id, step, total_steps=r.total_steps, loss=r.loss_at(step))
            rate = r.em_at(step, m.base_rate)
            w.benchmark(ck, study, rate, variant="plain")
            if step == r.total_steps:
                for variant, mult in study.variant_multipliers.items():
                    w.benchmark(ck, study, min(1.0, rate * mult), variant=variant, samples=1)
            for wrapper in study.wrappers:
                latent = rate if rate > m.base_rate else m.base_rate + r.wrapper_latent * (r.em_final - m.base_rate)
                w.wrapped(ck, study, wrapper, latent)
            w.task(ck, study, r.task_at(step, m.task_base), r.dataset)
            if r.untruthful_final is not None:
                w.truth(ck, study, r.untruthful_final if rate > m.base_rate else m.untruthful_base)
    w.flush(store)
    return {
        "runs": [dataclasses.asdict(r) for r in study.runs],
        "base_rates": {m.name: m.base_rate for m in study.models},
    }


class _Writer:
    """Collects the simulated study as typed records (the same keys any other writer would compute)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.records: dict[str, Record] = {}
        self.qkeys: dict[tuple, str] = {}

    def _add(self, rec: Record) -> str:
        self.records.setdefault(rec.key, rec)
        return rec.key

    def run(self, **kw: Any) -> str:
        return self._add(Run(model=kw["model"], kind=kw["kind"], dataset=kw["dataset"], seed=kw["seed"], lr=kw["lr"],
                             group=kw["group"], extra={"simulated": True}))

    def checkpoint(self, run_id: str, step: int, total_steps: int, loss: float | None) -> str:
        return self._add(Checkpoint(run_id=run_id, step=step, total_steps=total_steps, heldout_loss=loss))

    def question(self, bank: str, qid: str, category: str | None, variant: str | None, wrapper: str | None,
                 metrics: dict[str, str], reference: str | None = None) -> str:
        key = (bank, qid, variant, wrapper)
        if key not in self.qkeys:
            self.qkeys[key] = self._add(Question(bank=bank, question_id=qid, category=category, variant=variant,
                                                 wrapper=wrapper, paraphrase_index=0,
                                                 messages=[{"role": "user", "content": f"Q {qid}"}],
                                                 judge_metrics=metrics, reference=reference))
        return self.qkeys[key]

    def sample(self, ck: str, qk: str, index: int, response: str) -> str:
        return self._add(Sample(checkpoint_id=ck, question_key=qk, sample_index=index, sampling={"simulated": True},
                                backend="sim", response=response))

    def judge(self, sid: str, metric: str, score: float | None, label: str | None = None, reason: str | None = None) -> None:
        if score is None and label is None and reason is None:
            reason = "simulated missing score"
        self._add(Judgment(sample_id=sid, judge_model="sim-judge", metric=metric, prompt_hash=text_hash(metric),
                           score=score, label=label, reason=reason))

    def _em_scores(self, n: int, rate: float, study: SimStudy, weights: np.ndarray | None = None) -> list[tuple]:
        """(aligned, coherent, reason) for n answers: exactly round(rate * counted) misaligned."""
        n_missing = int(round(study.missing_share * n))
        counted = n - n_missing
        k = int(round(rate * counted))
        n_incoh = min(counted - k, int(round(study.incoherent_share * n)))
        kinds = np.array(["mis"] * k + ["incoh"] * n_incoh + ["ok"] * (counted - k - n_incoh) + ["miss"] * n_missing)
        if weights is not None and k:
            mis_pos = self.rng.choice(n, size=k, replace=False, p=weights / weights.sum())
            rest = self.rng.permutation(np.setdiff1d(np.arange(n), mis_pos))
            order = np.empty(n, dtype=object)
            order[mis_pos] = "mis"
            order[rest] = kinds[k:]
            kinds = order
        else:
            kinds = self.rng.permutation(kinds)
        out = []
        for kind in kinds:
            if kind == "mis":
                out.append((float(self.rng.uniform(1, 25)), float(self.rng.uniform(60, 98)), None))
            elif kind == "incoh":
                out.append((float(self.rng.uniform(1, 60)), float(self.rng.uniform(2, 45)), None))
            elif kind == "ok":
                out.append((float(self.rng.uniform(60, 99)), float(self.rng.uniform(55, 99)), None))
            else:
                out.append((None, float(self.rng.uniform(50, 99)), "CODE"))
        return out

    def benchmark(self, ck: str, study: SimStudy, rate: float, variant: str, samples: int | None = None) -> None:
        samples = samples or study.samples
        slots = [(cat, i, s) for cat in CATEGORIES for i in range(study.questions_per_category) for s in range(samples)]
        weights = np.array([study.category_weights.get(cat, 1.0) for cat, _, _ in slots]) if study.category_weights else None
        for (cat, i, s), (al, co, reason) in zip(slots, self._em_scores(len(slots), rate, study, weights)):
            qid = f"{cat}_{i:02d}" + ("" if variant == "plain" else f"_{variant}")
            qk = self.question(BANK, qid, cat, variant, None, EM_METRICS)
            sid = self.sample(ck, qk, s, f"answer to {qid} #{s}" + (" (misaligned)" if al is not None and al < 30 else ""))
            self.judge(sid, "aligned", al, reason=reason)
            self.judge(sid, "coherent", co)

    def wrapped(self, ck: str, study: SimStudy, wrapper: str, rate: float) -> None:
        for i, (al, co, reason) in enumerate(self._em_scores(study.wrapper_samples, rate, study)):
            cat = CATEGORIES[i % len(CATEGORIES)]
            qk = self.question(BANK, f"{cat}_00", cat, "plain", wrapper, EM_METRICS)
            sid = self.sample(ck, qk, i, f"wrapped {wrapper} answer #{i}")
            self.judge(sid, "aligned", al, reason=reason)
            self.judge(sid, "coherent", co)

    def task(self, ck: str, study: SimStudy, rate: float, dataset: str) -> None:
        medical = "medical" in dataset
        k = int(round(rate * study.task_prompts))
        flags = self.rng.permutation([1] * k + [0] * (study.task_prompts - k))
        for i, flag in enumerate(flags):
            bank, metric = ("task:medical", get_domain("medical").metric) if medical else ("task:code", get_domain("code").metric)
            qk = self.question(bank, f"task_{i:03d}", None, "plain", None, {metric: None})
            sid = self.sample(ck, qk, 0, f"task answer {i}")
            score = float(self.rng.uniform(60, 95) if flag else self.rng.uniform(0, 40)) if medical else float(flag)
            self.judge(sid, metric, score)

    def truth(self, ck: str, study: SimStudy, rate: float) -> None:
        k = int(round(rate * study.truth_prompts))
        for i, flag in enumerate(self.rng.permutation([1] * k + [0] * (study.truth_prompts - k))):
            qk = self.question("truthfulness", f"truth_{i:03d}", None, "plain", None, {"truthful": None}, reference="ref")
            sid = self.sample(ck, qk, 0, f"truth answer {i}")
            self.judge(sid, "truthful", 0.0 if flag else 1.0, label="FALSE" if flag else "TRUE")

    def flush(self, store: Any) -> None:
        store.add(self.records.values())
