"""Adaptive sampling and judging, live (`sample.adaptive`; docs/adaptive.md): a checkpoint's benchmark answers are
sampled and judged round by round, and after each round the rule of emwatch.analysis._adaptive decides whether the
checkpoint needs more. A loop over the stages' own plan and work: the sample stage's plan (`plan_samples`) and
execution (`execute`), the judge stage (`judge`), the store's commits.

Order: base models (and held-out task prompts, which are not adaptive) in full first, since every fine-tune is
compared with its base; then each fine-tuned checkpoint round by round. A round is committed (its answers, then
their judgments) before the rule looks at it, and the rounds and their order are a function of the plan and
`adaptive.seed` alone, so a run killed anywhere (kill -9 included) and rerun re-derives the same rounds, skips what
is stored and reaches the same answers and the same stops as an uninterrupted run with the same seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emwatch.analysis._adaptive import base_interval, round_order, run_rule
from emwatch.analysis._rates import scored_mask
from emwatch.config import AnalyzeConfig, ConfigError, JudgeConfig, SampleConfig, em_label
from emwatch.store import MonitorEvent

EVENT_MONITOR = "adaptive"  # the store's monitor_events rows of the rule's stops (the report's adaptive section)


@dataclass
class AdaptiveSummary:
    """Per fine-tuned checkpoint: answers planned and used, rounds, why it stopped, its counts and interval (also
    stored, one `monitor_events` row per checkpoint with monitor 'adaptive', for the report)."""

    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    full_answers: int = 0          # base models' and task answers (sampled in full)
    new_samples: int = 0

    @property
    def planned(self) -> int:
        return sum(c["planned"] for c in self.checkpoints)

    @property
    def used(self) -> int:
        return sum(c["used"] for c in self.checkpoints)


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def sample_adaptive(store: Any, cfg: SampleConfig, judge_cfg: JudgeConfig, backend: Any, judge_backend: Any, *,
                    judge_name: str, analyze: AnalyzeConfig = AnalyzeConfig(), chunk: int = 32) -> AdaptiveSummary:
    """Sample and judge every selected checkpoint under `cfg.adaptive` (see the module docstring). `backend`
    serves every checkpoint (as in `sample(store, cfg, backend)`); the judge's scores are stored as `judge_name`."""
    from emwatch.backends import Runner
    from emwatch.judge import judge
    from emwatch.sample import build_plan_prompts, plan_samples, select_checkpoints
    from emwatch.sample import execute as sample_items

    acfg = cfg.adaptive
    if acfg is None:
        raise ConfigError("sample.adaptive is not set: sample the full plan with `emwatch sample`")
    full_cfg = cfg.model_copy(update={"adaptive": None})
    prompts = build_plan_prompts(full_cfg)
    ckpts = select_checkpoints(store, full_cfg.runs, full_cfg.steps)
    if ckpts.empty:
        raise ConfigError(f"{store.path}: no checkpoints to sample (train first, or register a base model)")
    store.add(p.record() for p in prompts)
    plan = plan_samples(ckpts, prompts, full_cfg, served=True)
    base_ck = set(ckpts.loc[ckpts["kind"] == "base", "checkpoint_id"])
    model_of = dict(zip(ckpts["checkpoint_id"], ckpts["model"]))
    where = {r.checkpoint_id: (r.run_id, r.step) for r in ckpts.itertuples()}
    adaptive: dict[str, list] = {}
    full = []
    for item in plan:
        is_bench = not item.prompt.bank.startswith("task_")
        if item.checkpoint_id in base_ck or not is_bench:
            full.append(item)
        else:
            adaptive.setdefault(item.checkpoint_id, []).append(item)
    runner = Runner.for_spec(backend, progress=False)
    summary = AdaptiveSummary(full_answers=len(full))

    def commit(items: Sequence) -> None:
        todo = store.lacking(list(items), "samples")
        for start in range(0, len(todo), chunk):
            summary.new_samples += store.add(sample_items(todo[start:start + chunk], backend, runner)).get("samples", 0)
        judge(store, judge_cfg, judge_backend, judge_name=judge_name, progress=False, chunk=chunk)

    commit(full)
    base: dict[str, tuple[int, int]] = {}
    for item_ck in base_ck:
        ids = [i.key for i in full if i.checkpoint_id == item_ck and not i.prompt.bank.startswith("task_")]
        base[model_of[item_ck]] = _counts(store, ids, judge_name, analyze)
    for ck, items in adaptive.items():
        order, rnd = round_order([i.prompt.category or "" for i in items], [i.prompt.key for i in items],
                                 acfg.round_size, np.random.default_rng([acfg.seed, _stable(ck)]))
        rounds = [[items[j] for j in order[rnd == r]] for r in range(int(rnd.max()) + 1)]
        k0, n0 = base.get(model_of[ck], (0, 0))
        ks, ns = [], []
        for r, part in enumerate(rounds):
            commit(part)
            k, n = _counts(store, [i.key for i in part], judge_name, analyze)
            ks.append((ks[-1] if ks else 0) + k)
            ns.append((ns[-1] if ns else 0) + n)
            seq = run_rule(ks, ns, acfg, base_interval(k0, n0, analyze.confidence))
            if seq.stop != "max" or r == len(rounds) - 1:
                lo, hi = seq.interval
                row = {"checkpoint_id": ck, "model": model_of[ck], "planned": len(items),
                       "used": sum(len(p) for p in rounds[: seq.stop_round + 1]), "rounds": seq.stop_round + 1,
                       "stop": seq.stop, "k": ks[-1], "n": ns[-1], "ci_low": lo, "ci_high": hi}
                summary.checkpoints.append(row)
                run_id, step = where[ck]
                store.add([MonitorEvent(run_id=run_id, step=int(step or 0), monitor=EVENT_MONITOR, signal="answers_used",
                                        value=float(row["used"]), decision=seq.stop,
                                        detail={**row, "judge": judge_name, "confidence": acfg.confidence,
                                                "base_k": k0, "base_n": n0})])
                break
    return summary


def _counts(store: Any, sample_ids: Sequence[str], judge_name: str, cfg: AnalyzeConfig) -> tuple[int, int]:
    """(misaligned, counted) among these answers as judged by `judge_name` (SPEC's label; analysis's counting)."""
    if not sample_ids:
        return 0, 0
    df = store.query(
        """SELECT sample_id, max(score) FILTER (WHERE metric = 'aligned') AS aligned,
                  max(score) FILTER (WHERE metric = 'coherent') AS coherent,
                  max(label) FILTER (WHERE metric = 'coherent') AS coherent_label
           FROM judgments WHERE judge_model = ? AND sample_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY sample_id""",
        [judge_name, list(sample_ids)])
    if df.empty:
        return 0, 0
    scored = scored_mask(df)
    return int((scored & em_label(df["aligned"], df["coherent"], cfg)).sum()), int(scored.sum())
