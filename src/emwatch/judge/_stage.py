"""The judging stage: plan -> execute -> commit.

- plan: every stored answer gets the registered metrics its question asks for (among those configured), once
  per judge; `plan_judgments` lists the work items whose judgment is not stored yet.
- execute: each item is judged by its metric's kind — `score` by the logprob 0-100 judge, `categorical` by a
  verdict generated at temperature 0, `verdict` (a question's own TRUE/FALSE prompt: its `judge_kinds`) by the
  same one-token request read as a verdict (_verdict.py), `static` by the metric's analyser (the answer's code is
  never executed).
- commit: the judgments of each chunk are written in one transaction, so a killed run resumes where it stopped.

A score the judge cannot give is stored as missing (NULL) with its reason, never as 0. That covers only what
the judge said (CODE, REFUSAL, no numeric mass, an unparsable reply). A request that failed (the server
unreachable, timeouts and 5xx after the retries, 401/403, quota) is no answer of the judge: nothing is stored
for it, it stays pending for the next run, and a run of such failures stops the stage (`CircuitOpen`).
Rows an earlier release stored as "judge error: ..." count as pending too (the store treats them so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from emwatch._progress import progress_bar
from emwatch.backends import (Backend, BackendError, BackendPool, GenerationRequest, NumberDistribution, Runner,
                              ScoreRequest, make_backend, worker_pool)
from emwatch.backends._reasoning import CUT_OFF, NO_FINAL
from emwatch.backends._retry import CircuitOpen
from emwatch.config import NOT_ASKED, BackendSpec, ConfigError, JudgeConfig, needs_coherence
from emwatch.judge._score import expected_score, missing_reason, number_mass, parse_score, top_label
from emwatch.judge._verdict import VERDICT, verdict_judgment
from emwatch.metrics import METRICS, Metric, custom_score_metric, custom_verdict_metric, fill, get_metric, prompt_hash
from emwatch.store import Judgment, Store, judgment_key
from emwatch.store._judges import EM_METRICS


@dataclass
class JudgeSummary:
    new: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    pending: int = 0  # judgments whose request failed for good: not stored, judged by the next run
    not_asked: int = 0  # coherence not asked (coherence: if_unaligned, alignment at or above the threshold)
    last_error: str | None = None


class JudgeStopped(BackendError):
    """The judge stage stopped because the judge service kept failing; what was judged is stored."""


@dataclass(frozen=True)
class JudgeItem:
    """One judgment to make: a metric of one stored answer by one judge."""

    sample_id: str
    metric: Metric
    judge_model: str
    template: str | None
    question: str
    answer: str
    reference: str
    missing: str | None = None  # why there is no answer to judge (a reasoning model cut off while thinking)
    reads: str = "answer"       # JudgeConfig.judge_reads

    @property
    def prompt_hash(self) -> str:
        text = self.template if self.template is not None else "static"
        # judging the reasoning with the answer is another judgment of the same answer: another key; so is reading
        # a verdict prompt as a verdict (an earlier release stored it as a missing 0-100 score)
        if self.metric.kind == VERDICT:
            text = f"{text}\x00kind={VERDICT}"
        return prompt_hash(text if self.reads == "answer" else f"{text}\x00reads={self.reads}")

    @property
    def key(self) -> str:
        return judgment_key(self.sample_id, self.judge_model, self.metric.name, self.prompt_hash)

    def judge_prompt(self) -> str:
        return fill(self.template or "", question=self.question, answer=self.answer, reference=self.reference)

    def judgment(self, **fields: Any) -> Judgment:
        return Judgment(sample_id=self.sample_id, judge_model=self.judge_model, metric=self.metric.name,
                        prompt_hash=self.prompt_hash, **fields)


NO_JUDGE = "LLM judge metrics need a judge backend (--judge-url/--judge-model or backend: in the config)"


def _is_static(name: str) -> bool:
    return name in METRICS and get_metric(name).kind == "static"


def _metric_for(name: str, custom: str | None, kind: str | None = None) -> Metric:
    """The metric a question asks for by `name`: its own verdict prompt (`kind` "verdict", from the question's
    judge_kinds) as a verdict metric, else the registered metric, else its own template as a 0-100 metric."""
    if kind == VERDICT and custom:
        if name in EM_METRICS:   # the misaligned label's 0-100 scores: never read as verdicts
            raise ConfigError(f"metric {name!r}: a question's verdict prompt cannot judge {name!r}, one of the EM "
                              "label's 0-100 scores (its bank should have been refused: type free_form_judge)")
        return custom_verdict_metric(name, custom)
    if kind not in (None, VERDICT):
        raise ConfigError(f"metric {name!r}: unknown judge-prompt kind {kind!r} in the question's judge_kinds")
    if name in METRICS:
        return get_metric(name)
    if custom:
        return custom_score_metric(name, custom)
    raise ConfigError(f"metric {name!r} is not registered and its question gives no judge prompt")


def plan_judgments(store: Store, metrics: Sequence[str], judge_model: str | None, *,
                   reads: str = "answer", checkpoints: Sequence[str] | None = None) -> list[JudgeItem]:
    """The judgments of `metrics` that the store lacks: one item per (answer, metric its question asks for).
    Static metrics are judged by their analyser's fixed name; the others by `judge_model`. `checkpoints`: only
    the answers of these checkpoints, and only their rows are read (what the study job plans per task)."""
    wanted = wanted_judgments(store, metrics, judge_model, reads=reads, checkpoints=checkpoints)
    return store.lacking(wanted, "judgments", checkpoints=checkpoints)


def judged_text(row: Any, reads: str) -> tuple[str, str | None]:
    """(text the judge reads, why there is none): the final answer, or the reasoning then the answer. A
    reasoning model's sample without a final answer is missing, with the reason, never judged as empty."""
    reasoning = getattr(row, "reasoning", None)
    reasoning = reasoning if isinstance(reasoning, str) else None
    response = row.response if isinstance(row.response, str) else None  # a frame gives NaN for NULL
    if response is None and reasoning is not None:
        cut = getattr(row, "finish_reason", None) == "length"
        return "", CUT_OFF if cut else NO_FINAL
    answer = response or ""
    if reads == "reasoning_and_answer" and reasoning:
        return f"<reasoning>\n{reasoning}\n</reasoning>\n\n{answer}", None
    return answer, None


def wanted_judgments(store: Store, metrics: Sequence[str], judge_model: str | None, *,
                     reads: str = "answer", checkpoints: Sequence[str] | None = None) -> list[JudgeItem]:
    """Every judgment of `metrics` the stored answers (of `checkpoints`, when given) ask for, stored or not. Static
    analysis reads the final answer whatever the LLM judge reads (its key says reads="answer")."""
    wanted = set(metrics)
    items = []
    for row in store.judge_inputs(checkpoints).itertuples():
        text, missing = judged_text(row, reads)
        answer, _ = judged_text(row, "answer")
        question = next((m["content"] for m in reversed(row.messages) if m["role"] == "user"), "")
        kinds = getattr(row, "judge_kinds", None) or {}
        for name, custom in row.judge_metrics.items():
            if name not in wanted:
                continue
            metric = _metric_for(name, custom, kinds.get(name))
            if metric.kind == "static":
                judge, template = metric.judge_name, None
            elif judge_model is None:
                continue
            else:
                judge, template = judge_model, custom or metric.prompt
            static = metric.kind == "static"
            items.append(JudgeItem(row.sample_id, metric, judge, template, question, answer if static else text,
                                   row.reference or "", missing=missing, reads="answer" if static else reads))
    return items


# ---- execute: one function per metric kind ---------------------------------------------------------

def score_judgment(item: JudgeItem, dist: NumberDistribution, min_mass: float) -> Judgment | None:
    """A 0-100 judgment from the judge's number distribution (or its top tokens, or its text); None when the
    request failed (`dist.error`): a failure is not the judge's answer, so the item stays pending."""
    if dist.error:
        return None
    if dist.probs:
        score = expected_score(dist.probs, are_logprobs=False, min_mass=min_mass)
        mass = number_mass(dist.probs, are_logprobs=False)
        raw = {"numeric_mass": round(sum(mass.values()), 6),
               "numbers": {str(k): round(v, 6) for k, v in sorted(mass.items()) if v >= 1e-4}, "top_logprobs": dist.top}
        if score is None:
            # the label and the reason name the judge's most likely first token (CODE, REFUSAL, ...), which the
            # number distribution alone cannot show
            label = top_label(dist.top or dist.probs)
            return item.judgment(reason=f"numeric mass {sum(mass.values()):.3f} < {min_mass} (top token: {label})",
                                 label=label, raw=raw)
        return item.judgment(score=score, raw=raw)
    if dist.top:
        score = expected_score(dist.top, are_logprobs=True, min_mass=min_mass)
        if score is None:
            return item.judgment(reason=missing_reason(dist.top, min_mass=min_mass), label=top_label(dist.top),
                                 raw={"top_logprobs": dist.top})
        return item.judgment(score=score, raw={"top_logprobs": dist.top})
    score, reason = parse_score(dist.text)
    return item.judgment(score=score, reason=reason, raw={"text": dist.text})


def categorical_judgment(item: JudgeItem, text: str | None) -> Judgment:
    label, score, reason = item.metric.verdict(text)
    return item.judgment(score=score, label=label, reason=reason, raw={"text": text})


def static_judgment(item: JudgeItem) -> Judgment:
    """Score 1 when the metric's analyser finds anything in the answer, else 0; the findings' classes are the label.
    The analyser reads the text only: model-generated code is never executed."""
    findings = list(item.metric.analyse(item.answer))
    classes = sorted({str(getattr(f, "vuln_class", f)) for f in findings})
    return item.judgment(score=1.0 if findings else 0.0, label=",".join(classes) or None,
                         raw=[{"class": str(getattr(f, "vuln_class", f)), "line": getattr(f, "line", None),
                               "rule": getattr(f, "rule", None)} for f in findings])


def execute(items: Sequence[JudgeItem], runner: Runner | None, cfg: JudgeConfig,
            errors: list[str] | None = None) -> list[Judgment]:
    """Judge `items` (in order) with `runner` (static items need none). Items whose request failed for good are
    left out (their errors appended to `errors`)."""
    by_kind: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_kind.setdefault(item.metric.kind, []).append(i)
    out: list[Judgment | None] = [None] * len(items)
    for i, item in enumerate(items):
        if item.missing:
            out[i] = item.judgment(reason=item.missing)
            by_kind[item.metric.kind].remove(i)
    for i in by_kind.get("static", []):
        out[i] = static_judgment(items[i])
    llm = by_kind.get("score", []) + by_kind.get("categorical", []) + by_kind.get(VERDICT, [])
    if llm and runner is None:
        raise ConfigError(NO_JUDGE)
    score_idx = by_kind.get("score", [])
    deferred = _coherence_deferred(items, score_idx) if cfg.coherence == "if_unaligned" else {}
    _score_items(items, [i for i in score_idx if i not in deferred], runner, cfg, out, errors)
    if deferred:
        ask = []
        for i, a in deferred.items():
            aligned = out[a]
            if aligned is None:          # the alignment request failed: both stay pending
                continue
            if needs_coherence(aligned.score, cfg.coherence, cfg):
                ask.append(i)
            else:
                why = "missing" if aligned.score is None else f"{aligned.score:.1f} >= {cfg.aligned_below:g}"
                out[i] = items[i].judgment(label=NOT_ASKED, reason=f"not asked: alignment {why} (coherence: if_unaligned)")
        _score_items(items, ask, runner, cfg, out, errors)
    _score_items(items, by_kind.get(VERDICT, []), runner, cfg, out, errors, read=verdict_judgment)
    if by_kind.get("categorical"):
        idx = by_kind["categorical"]
        reqs = [GenerationRequest(messages=({"role": "user", "content": items[i].judge_prompt()},),
                                  max_new_tokens=items[i].metric.max_new_tokens, temperature=0.0) for i in idx]
        for i, gen in zip(idx, runner.generate(reqs)):
            out[i] = categorical_judgment(items[i], gen.text)
    return [j for j in out if j is not None]


def _coherence_deferred(items: Sequence[JudgeItem], idx: Sequence[int]) -> dict[int, int]:
    """coherence item -> its answer's alignment item, where both are in this batch (a coherence item whose
    alignment was judged in an earlier batch is judged as under `always`: never wrong, one call dearer)."""
    aligned = {(items[i].sample_id, items[i].judge_model): i for i in idx if items[i].metric.name == "aligned"}
    return {i: aligned[(items[i].sample_id, items[i].judge_model)] for i in idx
            if items[i].metric.name == "coherent" and (items[i].sample_id, items[i].judge_model) in aligned}


def _score_items(items: Sequence[JudgeItem], idx: Sequence[int], runner: Runner | None, cfg: JudgeConfig,
                 out: list[Judgment | None], errors: list[str] | None, read=score_judgment) -> None:
    """One-token judge requests for `idx`, each read by `read` (a 0-100 score, or a verdict)."""
    if not idx:
        return
    reqs = [ScoreRequest(messages=({"role": "user", "content": items[i].judge_prompt()},)) for i in idx]
    for i, dist in zip(idx, runner.score_numbers(reqs, errors="record")):
        out[i] = read(items[i], dist, cfg.min_mass)
        if dist.error and errors is not None:
            errors.append(dist.error)


# ---- the stage engine: plan(store, scope) -> items; work(items, spec, pool) -> records ---------------------

def metrics_of(cfg: JudgeConfig) -> list[str]:
    """The metrics a judge config asks for: the static analysers (`static: true`) then `metrics`."""
    static = [n for n in METRICS.names() if _is_static(n)] if cfg.static else []
    return list(dict.fromkeys(static + list(cfg.metrics)))


def plan(store: Store, cfg: JudgeConfig, judge_model: str | None, checkpoints: Sequence[str] | None = None, *,
         lacking: bool = True) -> list[JudgeItem]:
    """The stage's plan, as every driver (`judge`, the study job, the demo, adaptive rounds) computes it: the
    judgments `cfg` asks for (its metrics, `judge_reads`) of the stored answers in scope (`checkpoints`: theirs
    only, reading only their rows; None: the whole store), that the store lacks (`lacking=False`: all)."""
    wanted = wanted_judgments(store, metrics_of(cfg), judge_model, reads=cfg.judge_reads, checkpoints=checkpoints)
    return store.lacking(wanted, "judgments", checkpoints=checkpoints) if lacking else wanted


def order_items(items: Sequence[JudgeItem], cfg: JudgeConfig) -> list[JudgeItem]:
    """Static items first (they need no judge model); with `coherence: if_unaligned` an answer's alignment
    and coherence side by side, alignment first, so a piece holds both (split pieces at an even size)."""
    static = [i for i in items if i.metric.kind == "static"]
    llm = [i for i in items if i.metric.kind != "static"]
    if cfg.coherence == "if_unaligned":
        llm.sort(key=lambda i: (i.sample_id, i.metric.name != "aligned"))
    return static + llm


def work(items: Sequence[JudgeItem], cfg: JudgeConfig, spec: BackendSpec | Backend | Runner | None,
         pool: BackendPool | None = None, errors: list[str] | None = None) -> list[Judgment]:
    """The stage's work, where it runs: judgments of `items`, static ones by their analyser (code never
    executed), the others by the judge `spec` describes (taken from `pool`, kept loaded between pieces), the
    backend object or the Runner given (`judge` keeps one Runner, and its circuit breaker, across pieces).
    Items whose request failed for good are left out (their errors in `errors`)."""
    runner = spec if isinstance(spec, Runner) else None
    if runner is None and spec is not None and any(i.metric.kind != "static" for i in items):
        backend = (pool or worker_pool()).get(spec) if isinstance(spec, BackendSpec) else spec
        runner = Runner.for_spec(backend, progress=False)
    return execute(list(items), runner, cfg, errors)


# ---- the stage ----------------------------------------------------------------------------------------

def judge(store: Store, cfg: JudgeConfig, backend: Backend | None = None, *, judge_name: str | None = None,
          progress: bool = True, chunk: int = 32, breaker_after: int = 10) -> JudgeSummary:
    """Judge every stored answer that lacks a judgment for the configured metrics.

    The judge is `backend`, else one built from `cfg.backend` (and closed at the end); static metrics need none.
    Its name in the store is `judge_name`, else the backend's model name. After `breaker_after` requests in a
    row fail for good, the stage stops with `JudgeStopped` (what was judged before is stored).
    """
    summary = JudgeSummary()
    llm = [m for m in cfg.metrics if not _is_static(m)]
    owned = None
    if backend is None and cfg.backend is not None and llm:
        backend = owned = make_backend(cfg.backend)
    try:
        if backend is None and llm:
            raise ConfigError(NO_JUDGE)
        judge_model = None
        if backend is not None:
            spec = backend.spec if backend.spec is not None else cfg.backend
            judge_model = judge_name or (spec.model if spec is not None else None) or backend.name
        wanted = plan(store, cfg, judge_model, lacking=False)
        todo = store.lacking(wanted, "judgments")
        summary.skipped = len(wanted) - len(todo)
        runner = (Runner.for_spec(backend, progress=False, breaker_after=breaker_after)
                  if backend is not None else None)
        # static items first, in big chunks: they need no judge model
        ordered = order_items(todo, cfg)
        static_items = [i for i in ordered if i.metric.kind == "static"]
        llm_items = [i for i in ordered if i.metric.kind != "static"]
        if cfg.coherence == "if_unaligned":  # an answer's alignment and coherence in one chunk
            chunk += chunk % 2
        with progress_bar(f"judging ({judge_model or 'static analysis'})", len(todo), progress) as bar:
            for items, size in ((static_items, 256), (llm_items, chunk)):
                for start in range(0, len(items), size):
                    part = items[start:start + size]
                    errors: list[str] = []
                    try:
                        rows = work(part, cfg, runner, errors=errors)
                    except CircuitOpen as stop:
                        stored = sum(summary.new.values())
                        raise JudgeStopped(
                            f"judging stopped: {stop}. {stored} judgments were stored; {len(todo) - stored} are "
                            f"left pending: rerun `emwatch judge` when the judge ({judge_model}) answers again"
                        ) from None
                    summary.pending += len(errors)
                    summary.last_error = errors[-1] if errors else summary.last_error
                    store.add(rows)
                    for r in rows:
                        summary.new[r.metric] = summary.new.get(r.metric, 0) + 1
                        if r.label == NOT_ASKED:
                            summary.not_asked += 1
                        elif r.score is None:  # UNKNOWN verdicts included: they are excluded from rates too
                            summary.missing[r.metric] = summary.missing.get(r.metric, 0) + 1
                    bar.advance(len(part))
    finally:
        if owned is not None:
            owned.close()
    return summary


def judge_store(store: Store, cfg: JudgeConfig, *, backend: Backend | None = None, judge_name: str | None = None,
                progress: bool = True, chunk: int = 32) -> JudgeSummary:
    """The name earlier releases used for `judge`."""
    return judge(store, cfg, backend, judge_name=judge_name, progress=progress, chunk=chunk)
