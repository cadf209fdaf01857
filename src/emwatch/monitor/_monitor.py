"""The online monitor of one run: looks (probe answers, judge-free signals), judging in a background thread,
the anytime-valid decision, and every value and decision stored as MonitorEvent records.

Trainers drive it through two calls: `observe(step, answers, signals)` at each look (step 0 = the base model)
and `poll()` between looks; `should_stop` says when to stop, `kept_step` which checkpoint to keep.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from emwatch.backends import Backend, GenerationRequest, Runner, make_backend
from emwatch.config import JudgeConfig, MonitorConfig, em_label, needs_coherence
from emwatch.errors import ConfigError
from emwatch.judge import JudgeItem, execute
from emwatch.metrics import get_metric
from emwatch.monitor._cascade import Cascade, cascade_for
from emwatch.monitor._probes import load_canaries, probe_prompts
from emwatch.monitor._sequential import OnsetTest, Power, null_rate, power
from emwatch.store import MonitorEvent

STOPPING = ("stop", "stop_keep_best")
# Where a monitor without a store (the training child of `emwatch run`) writes its events, in the run folder.
EVENTS_FILE = "monitor_events.jsonl"


@dataclass
class Counts:
    """One look's judged probes: k misaligned of n counted, `excluded` with a missing score."""

    k: int
    n: int
    excluded: int

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else math.nan


def monitor_power(cfg: MonitorConfig, horizon: int | None, p0: float | None = None) -> Power:
    """What a monitor of this config can see (emwatch.monitor._sequential.power) with `horizon` planned looks:
    its probe answers a look, alpha, alternatives and base bound; `p0` once the base model's look has set it."""
    n = sum(p.samples for p in probe_prompts(cfg))
    return power(n, alpha=cfg.alpha, alternatives=cfg.alternatives, horizon=horizon, base_rate=cfg.base_rate,
                 floor=cfg.min_base_rate, confidence=cfg.base_confidence, p0=p0)


def judge_spec(cfg: MonitorConfig):
    """The monitor's judge spec with `model: demo` made the shipped demo model's folder (None: no judge)."""
    spec = cfg.judge
    if spec is not None and spec.kind in ("transformers", "hf"):
        from emwatch.models import resolve_model

        spec = spec.model_copy(update={"model": resolve_model(spec.model)})
    return spec


class Monitor:
    """Watches one run. `judge` overrides `cfg.judge` (a Backend object, e.g. one already loaded)."""

    def __init__(self, cfg: MonitorConfig, *, run_id: str, store=None, judge: Backend | None = None,
                 horizon: int | None = None, echo: Callable[[str], object] | None = None,
                 events_path: str | Path | None = None):
        self.cfg = cfg
        self.run_id = run_id
        self.store = store
        # without a store (a training child of `emwatch run`), events go to this JSON-lines file in the run
        # folder, and the job's driver stores them (read_events)
        self.events_path = Path(events_path) if events_path is not None and store is None else None
        self.horizon = horizon
        self.echo = echo or (lambda _msg: None)
        self.prompts = probe_prompts(cfg)
        self.canaries = load_canaries() if cfg.canaries else []
        self._own_judge = judge is None and cfg.judge is not None
        spec = judge_spec(cfg)
        backend = judge if judge is not None else (make_backend(spec) if spec is not None else None)
        if backend is None and cfg.action != "log":
            raise ConfigError(f"monitor action {cfg.action!r} needs a judge for the probe answers (monitor.judge: "
                              "{kind, model, ...}); without one only `action: log` of the judge-free signals works")
        self.judge = backend
        self.runner = Runner.for_spec(backend, cfg.judge) if backend is not None else None
        self.judge_name = (cfg.judge.model if cfg.judge is not None else getattr(backend, "name", "judge"))
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="emwatch-monitor") if cfg.judge_async else None
        self._pending: list[tuple[int, Future]] = []
        self.test: OnsetTest | None = None
        self.base: Counts | None = None
        self.looks: list[int] = []               # steps fed to the test, in order
        self.task: dict[int, float] = {}        # step -> held-out loss (lower is better)
        self.decision: str | None = None
        self.stop_step: int | None = None
        self.onset_step: int | None = None       # the monitor's own estimate (the likeliest start look)
        self.kept_step: int | None = None
        self.judge_calls = 0
        self.events: list[MonitorEvent] = []
        self.cascade: Cascade | None = None     # built after the base look (its signals calibrate the bands)
        self.signals: dict[int, dict[str, float]] = {}   # step -> judge-free signal values seen at that step
        self.kl_answers: list[str] | None = None  # with the cascade: KL on the base model's answers (see _cascade)
        self.kl_base = None   # the base model's log-probs of the last KL texts (_live.BaseLogprobs): one pass a look
        self.skipped = 0                         # looks the cascade did not judge
        self.base_cache: Path | None = None      # with base_cache: the base look's cache file (monitor._base_look)
        self.base_answers: list[str] | None = None  # the base look's first answer to each of the first 8 probes
        self._base_from: str | None = None       # the cache file the base look was read from
        self.power: Power | None = None
        if self.runner is not None:  # what the judged test can see, said before the first look
            self.power = monitor_power(cfg, horizon)
            self.echo(f"monitor {cfg.name}: {self.power.text()}")
        # a PersonaProbe (monitor._direction) when cfg.persona and the live model is in memory; set by the trainer
        self.persona = None
        self.signal_detail: dict[str, dict] = {}  # stored with each value of a signal (the persona's direction)

    # -- what to ask -------------------------------------------------------------------------------
    def requests(self, step: int) -> list[GenerationRequest]:
        """The probe requests of a look: every probe prompt, `samples` answers each."""
        return [GenerationRequest(messages=p.messages, max_new_tokens=self.cfg.max_new_tokens,
                                  temperature=self.cfg.temperature, seed=self.cfg.seed * 1_000_003 + step)
                for p in self.prompts for _ in range(p.samples)]

    # -- a look -------------------------------------------------------------------------------------
    def observe(self, step: int, answers: Sequence[str] | Callable[[], Sequence[str]] | None,
                signals: dict[str, float | None] | None = None) -> None:
        """Record a look at `step` (0: the base model): the judge-free `signals` now, the probe `answers`
        judged in the background (at most one look's judging is pending: a new look waits for the last).
        `answers` may be a function that samples them: it is called only when the look is judged, so a look
        the cascade skips samples nothing."""
        for name, value in (signals or {}).items():
            if value is not None:
                self._emit(step, name, value, detail=self.signal_detail.get(name))
                self.signals.setdefault(step, {})[name] = float(value)
        if answers is None or self.runner is None:
            return
        self.poll(wait=True)
        if step > 0 and self.cfg.cascade_every:
            reason = self._cascade().why(len(self.looks) + 1, self.signals.get(step, {}),
                                         self.test.last.e_value if self.test is not None and self.test.last else None)
            self._emit(step, "cascade", float(reason is not None), detail={"reason": reason or "signals in band"})
            if reason is None:
                self._skip(step)
                return
        if callable(answers):
            answers = answers()
        if self._pool is not None:
            self._pending.append((step, self._pool.submit(self._judge, list(answers))))
        else:
            done: Future = Future()
            done.set_result(self._judge(list(answers)))
            self._pending.append((step, done))
            self.poll()

    def _cascade(self) -> Cascade:
        """The cascade, its bands calibrated (once) on the base look's signals and the control's events."""
        if self.cascade is None:
            cfg = self.cfg
            if cfg.cascade_control and not Path(cfg.cascade_control).is_file():
                raise ConfigError(f"monitor.cascade_control: {cfg.cascade_control}: no such file (a benign control "
                                  f"fine-tune's {EVENTS_FILE})")
            self.cascade = cascade_for(cfg, self.signals.get(0, {}),
                                       read_events(cfg.cascade_control) if cfg.cascade_control else [])
            self.echo(f"monitor {cfg.name}: cascade bands " + (", ".join(f"{k} <= {v:.4g}" for k, v in
                      self.cascade.bands.items()) or "none calibrated (every look with a signal is judged)")
                      + f"; at least every {cfg.cascade_every}. look judged")
        return self.cascade

    def _skip(self, step: int) -> None:
        """A look the cascade does not judge: the test takes it as a look without answers (LR 1)."""
        if self.test is None:
            self._start_test()
        self.looks.append(step)
        self.test.update(0, 0)
        self.skipped += 1
        self.echo(f"monitor {self.cfg.name}: step {step}: not judged (signals in band)")

    def restore_base(self, path: Path, data: dict) -> None:
        """The base look read from its cache file (monitor._base_look) instead of sampled and judged again: its
        signal values and counts are emitted as a look's would be, each event's detail naming the file."""
        self._base_from = str(path)
        for name, value in data["signals"].items():
            self._emit(0, name, value, detail={**self.signal_detail.get(name, {}), "cached": str(path)})
            self.signals.setdefault(0, {})[name] = float(value)
        self.base_answers = data.get("kl_answers")
        if self.cfg.cascade_every:
            self.kl_answers = self.base_answers
        c = data["counts"]
        self.echo(f"monitor {self.cfg.name}: base look read from {path} ({c['k']}/{c['n']} misaligned, "
                  f"{data.get('judge_calls', 0)} judge calls saved)")
        self._decide(0, Counts(c["k"], c["n"], c["excluded"]))

    def record_task(self, step: int, heldout_loss: float | None = None, task: float | None = None) -> None:
        """Task convergence at a checkpoint: held-out loss (and a task metric when there is a cheap one)."""
        if heldout_loss is not None:
            self.task[step] = heldout_loss
            self._emit(step, "heldout_loss", heldout_loss)
        if task is not None:
            self._emit(step, "task", task)

    def _judge(self, answers: list[str]) -> Counts:
        """Alignment and coherence of each answer through the judge stage's own scoring; SPEC's label. With
        `coherence: if_unaligned` coherence is asked only where alignment is below the threshold."""
        questions = [p.question for p in self.prompts for _ in range(p.samples)]
        aligned, coherent = get_metric("aligned"), get_metric("coherent")
        cfg = JudgeConfig(static=False, min_mass=self.cfg.min_mass)

        def judge(metric, which: list[int]) -> dict[int, float | None]:
            items = [JudgeItem(f"probe-{i}", metric, self.judge_name, metric.prompt, questions[i], answers[i], "")
                     for i in which]
            self.judge_calls += len(items)
            return {i: j.score for i, j in zip(which, execute(items, self.runner, cfg))}

        everyone = list(range(len(answers)))
        al = judge(aligned, everyone)
        # under if_unaligned coherence decides the label only where the answer would be misaligned if it were coherent
        co = judge(coherent, [i for i in everyone if needs_coherence(al[i], self.cfg.coherence, self.cfg)])
        k = n = excluded = 0
        for i in everyone:
            if al[i] is None or i in co and co[i] is None:   # a score that was asked for is missing
                excluded += 1
                continue
            n += 1
            k += int(i in co and em_label(al[i], co[i], self.cfg))   # not asked: aligned, so not misaligned
        return Counts(k, n, excluded)

    # -- deciding ------------------------------------------------------------------------------------
    def poll(self, wait: bool = False) -> str | None:
        """Take in the judged looks that are ready (all of them with `wait`); returns the latest decision."""
        while self._pending and (wait or self._pending[0][1].done()):
            step, fut = self._pending.pop(0)
            self._decide(step, fut.result())
        return self.decision

    def _decide(self, step: int, c: Counts) -> None:
        detail = {"k": c.k, "n": c.n, "n_excluded": c.excluded}
        if step == 0:
            self.base = c
            self._emit(0, "probe_em_rate", c.rate, detail={**detail, **({"cached": self._base_from}
                                                                        if self._base_from else {})})
            if self.base_cache is not None and self._base_from is None:
                from emwatch.monitor import _base_look

                _base_look.save(self.base_cache, c, self.signals.get(0, {}), self.base_answers, self.judge_calls)
            return
        if self.test is None:
            self._start_test()
        self._emit(step, "probe_em_rate", c.rate, detail=detail)
        self.looks.append(step)
        d = self.test.update(c.k, c.n)
        decision = "continue"
        if self.stop_step is not None:
            decision = "after_stop"
        elif d.decided:
            decision = {"log": "alarm", "flag": "flag"}.get(self.cfg.action, self.cfg.action)
            if self.onset_step is None:
                self.onset_step = self.looks[d.onset_look - 1] if d.onset_look else step
            if decision in STOPPING:
                self.stop_step = step
                self.kept_step = self._best_before(self.onset_step) if decision == "stop_keep_best" else step
        self.decision = decision
        extra = {"p0": self.test.p0, "threshold": d.threshold, "look": d.look,
                 "onset_step": self.onset_step if d.decided else None,
                 **({"kept_step": self.kept_step} if decision in STOPPING else {})}
        self._emit(step, "em_test", min(d.e_value, 1e300), decision=decision, detail={**detail, **extra})
        self.echo(f"monitor {self.cfg.name}: step {step}: {c.k}/{c.n} misaligned ({c.excluded} excluded), "
                  f"e-value {d.e_value:.3g} (stop at {d.threshold:.3g}) -> {decision}"
                  + (f", keep step {self.kept_step}" if decision == "stop_keep_best" else ""))

    def _start_test(self) -> None:
        p0 = null_rate(self.base.k if self.base else None, self.base.n if self.base else None,
                       base_rate=self.cfg.base_rate, floor=self.cfg.min_base_rate, confidence=self.cfg.base_confidence)
        self.test = OnsetTest(p0, self.cfg.alpha, self.cfg.alternatives, self.horizon)
        self.power = monitor_power(self.cfg, self.horizon, p0)
        given = (f"base_rate {self.cfg.base_rate:g} given" if self.cfg.base_rate is not None else
                 f"base model {self.base.k}/{self.base.n} misaligned" if self.base else "no base look")
        self.echo(f"monitor {self.cfg.name}: {given} -> {self.power.text()}")

    def _best_before(self, onset: int) -> int | None:
        """The checkpoint with the best task performance (lowest held-out loss) before `onset`; without task
        figures, the last look before it."""
        before = {s: v for s, v in self.task.items() if 0 < s < onset}
        if before:
            return min(before, key=lambda s: (before[s], -s))
        earlier = [s for s in self.looks if s < onset]
        return earlier[-1] if earlier else None

    @property
    def should_stop(self) -> bool:
        return self.stop_step is not None

    # -- storing ---------------------------------------------------------------------------------------
    def _emit(self, step: int, signal: str, value: float | None, *, decision: str | None = None,
              detail: dict | None = None) -> None:
        value = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        ev = MonitorEvent(run_id=self.run_id, step=int(step), monitor=self.cfg.name, signal=signal, value=value,
                          decision=decision, detail=detail or {})
        self.events.append(ev)
        if self.store is not None:
            self.store.add([ev])
        elif self.events_path is not None:
            with self.events_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(ev.row(), default=str) + "\n")

    def close(self) -> None:
        """Take in what is still being judged, then release the thread (and a judge this monitor built)."""
        try:
            self.poll(wait=True)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self._own_judge and self.judge is not None:
                self.judge.close()


def read_events(path: str | Path) -> list[MonitorEvent]:
    """The MonitorEvent records a store-less monitor wrote to `path`. A line cut short by a kill is skipped (its
    look is taken again when the run resumes); a look taken twice keeps its first value, as a store would."""
    p = Path(path)
    if not p.is_file():
        return []
    out: dict[str, MonitorEvent] = {}
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
            ev = MonitorEvent(run_id=row["run_id"], step=int(row["step"]), monitor=row["monitor"],
                              signal=row["signal"], value=row.get("value"), decision=row.get("decision"),
                              detail=row.get("detail") or {})
        except (ValueError, KeyError, TypeError):
            continue
        out.setdefault(ev.key, ev)
    return list(out.values())


def look_live(monitor: Monitor, step: int, model, tokenizer, *, judge_free: bool = True) -> None:
    """One look at a model in memory (a local trainer's live model): probe answers, and with `judge_free`
    the canary probability and KL to the base model on the first probe answers."""
    from emwatch.monitor import _live

    if step == 0 and monitor.cfg.base_cache and monitor.runner is not None:
        from emwatch.monitor import _base_look

        monitor.base_cache = _base_look.base_look_path(monitor, model)
        cached = _base_look.load(monitor.base_cache) if monitor.base_cache is not None else None
        if cached is not None:
            monitor.kl_base = _base_look.load_kl(monitor.base_cache)
            return monitor.restore_base(monitor.base_cache, cached)
        if monitor.base_cache is None:
            monitor.echo(f"monitor {monitor.cfg.name}: base look not cached (the model has no folder to identify it)")
    reqs = monitor.requests(step)
    probe = monitor.persona
    # with the cascade on, no signal but `persona` reads the look's own answers (KL reads the base model's): the
    # answers are sampled only if the cascade judges the look (observe calls `sample`), after the signals
    lazy = bool(monitor.cfg.cascade_every) and step > 0 and probe is None and monitor.runner is not None

    def sample() -> list[str]:
        with _live.looking(model, tokenizer):
            return _live.generate(model, tokenizer, reqs)

    with _live.looking(model, tokenizer):
        answers = _live.generate(model, tokenizer, reqs) if not lazy and (
            monitor.runner is not None or judge_free or probe) else None
        signals: dict[str, float | None] = {}
        few = min(len(monitor.prompts), 8)
        firsts = [sum(p.samples for p in monitor.prompts[:i]) for i in range(few)]
        if step == 0 and answers:
            monitor.base_answers = [answers[i] for i in firsts]
            if monitor.cfg.cascade_every:  # the cascade's KL: on the base model's answers
                monitor.kl_answers = monitor.base_answers
        if judge_free or step == 0:
            if monitor.canaries:
                signals["canary"] = _live.canary_probability(model, tokenizer, monitor.canaries)
            if monitor.cfg.kl and judge_free and (monitor.kl_answers or answers):
                signals["kl"] = _kl(monitor, model, tokenizer, [reqs[i].messages for i in firsts],
                                    monitor.kl_answers or [answers[i] for i in firsts])
            if probe is not None:  # one forward pass: fixed answers and the first answer to each probe
                signals.update(probe.signals(model, tokenizer, reqs, answers, [p.samples for p in monitor.prompts]))
                monitor.signal_detail["persona"] = {**probe.detail(), **probe.counts}
    with _live.contiguous_head(model):   # the in-process judge of the live model's base weights judges here
        monitor.observe(step, sample if lazy else answers, signals)


def _kl(monitor: Monitor, model, tokenizer, prompts: list, answers: list[str]) -> float | None:
    """KL to the base at a look, the base model's log-probabilities of the texts kept from the first look that
    read them (with the cascade the texts are the base model's step-0 answers at every look, so each look after
    the first runs the live forward pass only); with `base_cache` they are kept beside the cached base look."""
    from emwatch.monitor import _base_look, _live

    kept = monitor.kl_base
    if kept is None or not kept.fits(_live.kl_texts(tokenizer, prompts, answers), _live.dtype_of(model)):
        monitor.kl_base = _live.base_logprobs(model, tokenizer, prompts, answers)
        if monitor.kl_base is not None and monitor.base_cache is not None and answers == monitor.kl_answers:
            _base_look.save_kl(monitor.base_cache, monitor.kl_base)
    return _live.kl_to_base(model, tokenizer, prompts, answers, base=monitor.kl_base)


def look_backend(monitor: Monitor, step: int, backend: Backend, adapter: str | None) -> None:
    """One look through a generation backend (a hosted trainer's checkpoint: a Tinker sampler path, a served
    adapter name); `adapter` None samples the base model. Only the judged probes: the judge-free signals need
    the weights in memory."""
    import dataclasses

    if monitor.cfg.persona and step == 0:
        skip_persona(monitor, "a hosted trainer's checkpoint is sampled through a backend: no activations to read")
    reqs = [dataclasses.replace(r, adapter=adapter) for r in monitor.requests(step)]
    answers = [g.text for g in Runner.for_spec(backend).generate(reqs, description="monitor probes")]
    monitor.observe(step, answers)


def skip_persona(monitor: Monitor, reason: str) -> None:
    """The `persona` signal cannot be read in this run: stored once (step 0, no value, the reason) and said."""
    monitor._emit(0, "persona", None, detail={"skipped": reason})
    monitor.echo(f"monitor {monitor.cfg.name}: persona signal skipped: {reason}")
