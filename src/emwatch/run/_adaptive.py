"""Adaptive sampling and judging, live (`sample.adaptive`; docs/adaptive.md): a checkpoint's benchmark answers are
sampled and judged round by round, and after each round the rule of emwatch.analysis._adaptive decides whether the
checkpoint needs more. Every driver runs it through the same two pieces, over the stages' own plan and work:

- `checkpoint_rounds`: a fine-tuned checkpoint's full plan (the sample stage's `plan`) cut into rounds, a function
  of the plan and `adaptive.seed` alone;
- `next_step`: from what the store holds, the checkpoint's next piece of work (sample round r's answers, judge
  them) or its decision (the rule's stop, with the answers used against those planned).

`sample_adaptive` (the API and `emwatch sample`) loops over them in this process; the study job (`emwatch run`,
`emwatch demo`; local or Ray executor) asks `next_step` for each piece of a checkpoint's sample task and hands the
work to its executor. Order: base models (and held-out task prompts, which are not adaptive) in full first, since
every fine-tune is compared with its base. A round is committed (its answers, then their judgments) before the rule
looks at it, so a run killed anywhere (kill -9 included) and rerun re-derives the same rounds, skips what is stored
and reaches the same answers and the same stops as an uninterrupted run with the same seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emwatch.analysis._adaptive import base_interval, round_order, run_rule
from emwatch.analysis._rates import scored_mask
from emwatch.config import AdaptiveConfig, AnalyzeConfig, ConfigError, JudgeConfig, SampleConfig, em_label
from emwatch.store import MonitorEvent, Task
from emwatch.store._records import ADAPTIVE_MONITOR, ADAPTIVE_PLANNED, ADAPTIVE_STOP

EVENT_MONITOR = ADAPTIVE_MONITOR  # the store's monitor_events rows of the rule's plans and stops (status, report)


@dataclass
class AdaptiveSummary:
    """Per fine-tuned checkpoint: answers planned and used, rounds, why it stopped, its counts and interval (also
    stored, one `monitor_events` row per checkpoint with monitor 'adaptive', for status and the report)."""

    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    full_answers: int = 0          # base models' and task answers (sampled in full)
    new_samples: int = 0

    @property
    def planned(self) -> int:
        return sum(c["planned"] for c in self.checkpoints)

    @property
    def used(self) -> int:
        return sum(c["used"] for c in self.checkpoints)


@dataclass
class CheckpointRounds:
    """A fine-tuned checkpoint under the rule: its benchmark plan in rounds, and what is sampled in full (its
    held-out task prompts, with the first round)."""

    checkpoint_id: str
    model: str
    run_id: str
    step: int
    rounds: list[list]
    full: list = field(default_factory=list)

    @property
    def planned(self) -> int:
        return sum(len(r) for r in self.rounds)

    @property
    def items(self) -> list:
        """The checkpoint's whole plan (every round, and what is sampled in full)."""
        return [i for r in self.rounds for i in r] + self.full


@dataclass
class Step:
    """A checkpoint's next piece: 'sample' or 'judge' these items, or 'stop' (`row`: the decision, `event`: its
    store row); 'judge' items come from the driver's judge plan."""

    kind: str
    items: list = field(default_factory=list)
    row: dict[str, Any] | None = None
    event: MonitorEvent | None = None


def is_bench(item: Any) -> bool:
    return not item.prompt.bank.startswith("task_")


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def checkpoint_rounds(checkpoint_id: str, model: str, run_id: str, step: int, items: Sequence,
                      acfg: AdaptiveConfig) -> CheckpointRounds:
    """The checkpoint's full plan (`items`, every answer of the sample stage's plan) cut into the rule's rounds:
    every prompt once per round, categories balanced, in the order `acfg.seed` and the checkpoint fix."""
    bench = [i for i in items if is_bench(i)]
    rounds: list[list] = []
    if bench:
        order, rnd = round_order([i.prompt.category or "" for i in bench], [i.prompt.key for i in bench],
                                 acfg.round_size, np.random.default_rng([acfg.seed, _stable(checkpoint_id)]))
        rounds = [[bench[j] for j in order[rnd == r]] for r in range(int(rnd.max()) + 1)]
    return CheckpointRounds(checkpoint_id, model, run_id, int(step or 0), rounds, [i for i in items if not is_bench(i)])


def planned_event(cr: CheckpointRounds, acfg: AdaptiveConfig, judge_name: str, analyze: AnalyzeConfig) -> MonitorEvent:
    """The checkpoint's plan under the rule, stored as its rounds begin: `emwatch status` gives a checkpoint still
    in its rounds a row from it (answers so far against `planned`, rounds done from `round_ends`, the running
    counts by `judge` under these thresholds). A function of the plan and the settings: a rerun stores the same row."""
    ends = np.cumsum([len(r) for r in cr.rounds]).astype(int).tolist()
    detail = {"checkpoint_id": cr.checkpoint_id, "model": cr.model, "planned": cr.planned, "round_ends": ends,
              "judge": judge_name, "confidence": acfg.confidence, "prior": list(acfg.prior),
              "aligned_below": analyze.aligned_below, "coherent_above": analyze.coherent_above}
    return MonitorEvent(run_id=cr.run_id, step=cr.step, monitor=EVENT_MONITOR, signal=ADAPTIVE_PLANNED,
                        value=float(cr.planned), decision="sampling", detail=detail)


def next_step(store: Any, cr: CheckpointRounds, acfg: AdaptiveConfig, base: tuple[int, int] | None, *,
              judge_plan: Callable[[], list], judge_name: str, analyze: AnalyzeConfig) -> Step:
    """The checkpoint's next piece, from the store alone: the first round whose answers are not all stored is
    sampled (with the task prompts, first time round); a round sampled but not judged is judged (`judge_plan`:
    the judge stage's plan of this checkpoint); after each judged round the rule decides. `base`: the base
    model's (misaligned, counted) answers, None without a base (no "above base" stop)."""
    ck = [cr.checkpoint_id]
    ks: list[int] = []
    ns: list[int] = []
    k0, n0 = base or (0, 0)
    judged = False
    for r, part in enumerate(cr.rounds):
        todo = store.lacking(part + (cr.full if r == 0 else []), "samples", checkpoints=ck)
        if todo:
            return Step("sample", todo)
        if not judged:  # what is sampled is judged before the rule looks at it
            pending = judge_plan()
            if pending:
                return Step("judge", pending)
            judged = True
        k, n = counts(store, [i.key for i in part], judge_name, analyze)
        ks.append((ks[-1] if ks else 0) + k)
        ns.append((ns[-1] if ns else 0) + n)
        seq = run_rule(ks, ns, acfg, base_interval(k0, n0, analyze.confidence))
        if seq.stop != "max" or r == len(cr.rounds) - 1:
            lo, hi = seq.interval
            row = {"checkpoint_id": cr.checkpoint_id, "model": cr.model, "planned": cr.planned,
                   "used": sum(len(p) for p in cr.rounds[: seq.stop_round + 1]), "rounds": seq.stop_round + 1,
                   "stop": seq.stop, "k": ks[-1], "n": ns[-1], "ci_low": lo, "ci_high": hi}
            event = MonitorEvent(run_id=cr.run_id, step=cr.step, monitor=EVENT_MONITOR, signal=ADAPTIVE_STOP,
                                 value=float(row["used"]), decision=seq.stop,
                                 detail={**row, "judge": judge_name, "confidence": acfg.confidence,
                                         "base_k": k0, "base_n": n0})
            return Step("stop", row=row, event=event)
    # no benchmark answers planned here: the task prompts only
    todo = store.lacking(cr.full, "samples", checkpoints=ck)
    if todo:
        return Step("sample", todo)
    pending = judge_plan()
    return Step("judge", pending) if pending else Step("stop")


def counts(store: Any, sample_ids: Sequence[str], judge_name: str, cfg: AnalyzeConfig) -> tuple[int, int]:
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


def base_checkpoints(store: Any, models: Sequence[str]) -> dict[str, str]:
    """model -> its base model's checkpoint id (step 0 of its run of kind 'base'), where the store has one."""
    if not models:
        return {}
    df = store.query("""SELECT r.model, c.checkpoint_id FROM checkpoints c JOIN runs r USING (run_id)
                        WHERE r.kind = 'base' AND r.model IN (SELECT unnest(?::VARCHAR[]))""", [list(models)])
    return dict(zip(df["model"], df["checkpoint_id"]))


WAIT = object()  # a checkpoint whose next piece cannot be planned yet (its base model is not judged yet)


class Blocked(Exception):
    """A checkpoint whose rounds cannot go on (its base model's task failed, the judge keeps giving nothing)."""


class JobRounds:
    """The study job's side of the rounds: a fine-tuned checkpoint's sample task asks `piece` for its next piece
    (a round's answers, then their judgments), which the job hands to its executor like any other piece; the
    rule's stop is stored as the task ends. `job` gives the study, its task states and the stages' plans of one
    checkpoint (`_sample_plan`, `_judge_plan`)."""

    def __init__(self, job: Any):
        self.job = job
        self.base: dict[str, tuple[int, int] | None] = {}  # model -> its base model's (misaligned, counted)
        self.base_tasks: dict[str, tuple[str, str, str]] = {}  # model -> (base checkpoint, its sample and judge task keys)

    def piece(self, store: Any, lv: Any) -> Step | object:
        """`lv` (the job's live task) keeps the checkpoint's rounds and its stall count between pieces."""
        job, cfg = self.job, self.job.study.sample
        if lv.rounds is None:
            row = lv.rows.iloc[0]
            lv.rounds = checkpoint_rounds(lv.checkpoint_id, row.model, row.run_id, row.step,
                                          job._sample_plan(store, lv.checkpoint_id, lacking=False), cfg.adaptive)
            if lv.rounds.rounds:
                store.add([planned_event(lv.rounds, cfg.adaptive, job.judge_name(), job.study.analyze)])
        base = self.base_counts(store, lv.rounds.model)
        if base is WAIT:
            return WAIT
        step = next_step(store, lv.rounds, cfg.adaptive, base, judge_name=job.judge_name(), analyze=job.study.analyze,
                         judge_plan=lambda: job._judge_plan(store, lv.checkpoint_id))
        if step.kind == "stop" and step.event is not None:
            store.add([step.event])
            r = step.row
            job.log(f"  adaptive: checkpoint {lv.checkpoint_id[:12]} (step {lv.rounds.step}): {r['used']} of "
                    f"{r['planned']} answers, {r['stop']}")
        elif step.kind == "sample":
            lv.last_pending, lv.stalls = -1, 0
        elif step.kind == "judge":
            if 0 <= lv.last_pending <= len(step.items):   # the last judge piece left as much lacking as before
                lv.stalls += 1
                if lv.stalls > job.study.retries:
                    raise Blocked(f"the judge gave no judgment for {len(step.items)} answers {lv.stalls + 1} times "
                                  "in a row (a failing judge service?); rerun when it answers again")
            lv.last_pending = len(step.items)
        return step

    def base_counts(self, store: Any, model: str) -> tuple[int, int] | None | object:
        """The base model's (misaligned, counted) benchmark answers, for the "above base" stop: WAIT until the
        base's judge task is done; None when the store has no base for this model."""
        if model in self.base:
            return self.base[model]
        if model not in self.base_tasks:
            base_ck = base_checkpoints(store, [model]).get(model)
            if base_ck is None:
                self.base[model] = None
                return None
            sample = next((t for t in self.job.states.values() if t.kind == "sample"
                           and t.target.get("checkpoint_id") == base_ck), None)  # once per base model
            if sample is None:
                raise Blocked(f"the base model of {model} (checkpoint {base_ck[:12]}) is not part of this study")
            judge = Task(study=sample.study, kind="judge", target=dict(sample.target))
            self.base_tasks[model] = (base_ck, sample.key, judge.key)
        if self.waits_for_base(model):
            return WAIT
        base_ck = self.base_tasks[model][0]
        ids = [i.key for i in self.job._sample_plan(store, base_ck, lacking=False) if is_bench(i)]
        self.base[model] = counts(store, ids, self.job.judge_name(), self.job.study.analyze)
        return self.base[model]

    def waits_for_base(self, model: str) -> bool:
        """Whether a checkpoint of `model` waits for its base's judge task, from the job's task states alone (no
        store: a waiting task does not take the store from readers every second). Blocked if the base failed."""
        if model in self.base or model not in self.base_tasks:
            return False
        _, sample_key, judge_key = self.base_tasks[model]
        for key in (sample_key, judge_key):
            task = self.job.states.get(key)
            if task is not None and task.status == "failed":
                raise Blocked(f"the base model's {task.kind} task failed ({task.error}); every fine-tune is "
                              "compared with its base")
        judge = self.job.states.get(judge_key)
        return judge is None or judge.status != "done"

    def waiting(self, lv: Any) -> bool:
        """Whether this checkpoint's sample task waits for its base model (known once `piece` has looked)."""
        return lv.rounds is not None and self.waits_for_base(lv.rounds.model)


def check_judge(judge_name: str | None, where: str) -> None:
    if not judge_name:
        raise ConfigError(f"{where}: sample.adaptive judges each round before the next, so it needs a judge "
                          "backend (judge.backend); or set adaptive.enabled: false")


def sample_adaptive(store: Any, cfg: SampleConfig, judge_cfg: JudgeConfig, backend: Any, judge_backend: Any, *,
                    judge_name: str, analyze: AnalyzeConfig = AnalyzeConfig(), chunk: int = 32,
                    progress: bool = False, log: Callable[[str], None] | None = None) -> AdaptiveSummary:
    """Sample and judge every selected checkpoint under `cfg.adaptive` (see the module docstring). `backend`
    serves every checkpoint (as in `sample(store, cfg, backend)`); None: each base model's answers on the engine
    `cfg.engine` picks (in process by default), as `emwatch sample` does. `judge_backend`: the judge (None:
    built from `judge_cfg.backend`); its scores are stored as `judge_name`."""
    from emwatch.backends import BackendPool
    from emwatch.judge import judge, order_items
    from emwatch.judge import plan as judge_plan
    from emwatch.judge import work as judge_work
    from emwatch.sample import build_plan_prompts, engine_groups, plan, select_checkpoints
    from emwatch.sample import work as sample_work

    acfg = cfg.adaptive
    if acfg is None:
        raise ConfigError("sample.adaptive is not set: sample the full plan with `emwatch sample`")
    check_judge(judge_name, "emwatch.run.sample_adaptive")
    full_cfg = cfg.model_copy(update={"adaptive": None})
    prompts = build_plan_prompts(full_cfg)
    ckpts = select_checkpoints(store, full_cfg.runs, full_cfg.steps)
    if ckpts.empty:
        raise ConfigError(f"{store.path}: no checkpoints to sample (train first, or register a base model)")
    store.add(p.record() for p in prompts)
    served = backend is not None or cfg.backend is not None
    items = plan(store, full_cfg, served=served, prompts=prompts, lacking=False)
    base_ck = set(ckpts.loc[ckpts["kind"] == "base", "checkpoint_id"])
    rows = {r.checkpoint_id: r for r in ckpts.itertuples()}
    full = [i for i in items if i.checkpoint_id in base_ck]
    per_ck: dict[str, list] = {}
    for item in items:
        if item.checkpoint_id not in base_ck:
            per_ck.setdefault(item.checkpoint_id, []).append(item)
    summary = AdaptiveSummary(full_answers=len(full) + sum(not is_bench(i) for v in per_ck.values() for i in v))
    say = log or (lambda m: None)
    pool = BackendPool(size=2)
    judge_spec = judge_backend if judge_backend is not None else judge_cfg.backend
    if judge_spec is None:
        raise ConfigError("sample.adaptive needs a judge: give judge_backend or judge_cfg.backend")

    def sampled(todo: Sequence) -> None:
        groups = [(backend, list(todo))] if backend is not None else [
            (spec or cfg.backend, part) for spec, part, _ in engine_groups(todo, full_cfg, served=served)]
        for spec, part in groups:
            for start in range(0, len(part), chunk):
                summary.new_samples += store.add(sample_work(part[start:start + chunk], spec, pool)).get("samples", 0)

    def judged(todo: Sequence) -> None:
        todo = order_items(todo, judge_cfg)
        size = chunk + chunk % 2
        for start in range(0, len(todo), size):
            store.add(judge_work(todo[start:start + size], judge_cfg, judge_spec, pool))

    try:
        sampled(store.lacking(full, "samples"))
        if full:
            jb = pool.get(judge_spec) if not hasattr(judge_spec, "generate") and judge_spec is not None else judge_spec
            judge(store, judge_cfg, jb, judge_name=judge_name, progress=False, chunk=chunk)
        base_of = {}
        for ck in base_ck:
            ids = [i.key for i in full if i.checkpoint_id == ck and is_bench(i)]
            base_of[rows[ck].model] = counts(store, ids, judge_name, analyze)
        for n, (ck, ck_items) in enumerate(per_ck.items()):
            row = rows[ck]
            cr = checkpoint_rounds(ck, row.model, row.run_id, row.step, ck_items, acfg)
            base = base_of.get(row.model)
            if cr.rounds:
                store.add([planned_event(cr, acfg, judge_name, analyze)])
            stalls = 0
            while True:
                step = next_step(store, cr, acfg, base, judge_name=judge_name, analyze=analyze,
                                 judge_plan=lambda: judge_plan(store, judge_cfg, judge_name, [ck]))
                if step.kind == "sample":
                    sampled(step.items)
                elif step.kind == "judge":
                    before = len(step.items)
                    judged(step.items)
                    stalls = stalls + 1 if len(judge_plan(store, judge_cfg, judge_name, [ck])) >= before else 0
                    if stalls > 2:
                        raise ConfigError(f"checkpoint {ck[:12]}: the judge gave no judgment for {before} answers "
                                          "three times in a row; rerun when the judge answers again")
                else:
                    if step.row is not None:
                        summary.checkpoints.append(step.row)
                        store.add([step.event])
                        say(f"adaptive: checkpoint {n + 1} of {len(per_ck)} (step {row.step}): "
                            f"{step.row['used']} of {step.row['planned']} answers, {step.row['stop']}")
                    break
    finally:
        pool.close()
    return summary
