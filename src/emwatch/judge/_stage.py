"""The judging stage: every stored sample gets the metrics its question asks for, once per judge.

LLM metrics (aligned, coherent, harmful, custom judge_prompts) use the logprob 0-100 judge; `vulnerable`
is static analysis of the code in the answer (never executed); `truthful` is a categorical judge.
A judgment is keyed by (sample, judge, metric, prompt hash); rows are committed per chunk, so a killed
run resumes. A score the judge cannot give is stored as NULL with its reason, never as 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from emwatch._progress import progress_bar
from emwatch.backends import Backend, GenerationRequest, Runner, ScoreRequest
from emwatch.config import JudgeConfig
from emwatch.judge._prompts import fill, judge_prompt, prompt_hash
from emwatch.judge._score import expected_score, missing_reason, number_mass, parse_score, top_label
from emwatch.store import Store, content_key

STATIC_JUDGE = "static:bandit+emwatch"
CATEGORICAL = {"truthful"}
STATIC = {"vulnerable"}


@dataclass
class JudgeSummary:
    new: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)
    skipped: int = 0


def _pending(store: Store, metrics: Sequence[str], judge_model: str) -> list[dict]:
    """(sample, metric, template) triples whose judgment by `judge_model` is not stored yet."""
    df = store.df("""SELECT s.sample_id, s.response, q.messages, q.judge_metrics, q.reference
                     FROM samples s JOIN questions q USING (question_key) ORDER BY s.sample_id""")
    todo = []
    for row in df.itertuples():
        wanted = json.loads(row.judge_metrics) if row.judge_metrics else {}
        messages = json.loads(row.messages)
        question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        for metric, custom in wanted.items():
            if metric not in metrics:
                continue
            template = "static" if metric in STATIC else judge_prompt(metric, {metric: custom} if custom else None)
            ph = prompt_hash(template)
            jid = content_key("judgment", row.sample_id, judge_model if metric not in STATIC else STATIC_JUDGE, metric, ph)
            todo.append({"judgment_id": jid, "sample_id": row.sample_id, "metric": metric, "template": template,
                         "prompt_hash": ph, "question": question, "answer": row.response or "",
                         "reference": row.reference or ""})
    done = store.existing("judgments", "judgment_id", [t["judgment_id"] for t in todo])
    return [t for t in todo if t["judgment_id"] not in done]


def _score_row(t: dict, judge_model: str, dist, min_mass: float) -> dict:
    row = {"judgment_id": t["judgment_id"], "sample_id": t["sample_id"], "judge_model": judge_model,
           "metric": t["metric"], "prompt_hash": t["prompt_hash"], "score": None, "label": None, "reason": None}
    if dist.error:
        row["reason"] = f"judge error: {dist.error}"
        row["raw"] = {"error": dist.error}
    elif dist.probs:
        score = expected_score(dist.probs, are_logprobs=False, min_mass=min_mass)
        row["score"] = score
        if score is None:
            row["reason"] = missing_reason(dist.probs, are_logprobs=False, min_mass=min_mass)
            row["label"] = top_label(dist.top or dist.probs)
        mass = number_mass(dist.probs, are_logprobs=False)
        row["raw"] = {"numeric_mass": round(sum(mass.values()), 6),
                      "numbers": {str(k): round(v, 6) for k, v in sorted(mass.items()) if v >= 1e-4},
                      "top_logprobs": dist.top}
    elif dist.top:
        score = expected_score(dist.top, are_logprobs=True, min_mass=min_mass)
        row["score"] = score
        if score is None:
            row["reason"] = missing_reason(dist.top, min_mass=min_mass)
        row["raw"] = {"top_logprobs": dist.top}
    else:
        row["score"], row["reason"] = parse_score(dist.text)
        row["raw"] = {"text": dist.text}
    return row


def judge_store(store: Store, cfg: JudgeConfig, *, backend: Backend | None = None, judge_name: str | None = None,
                progress: bool = True, chunk: int = 32) -> JudgeSummary:
    """Judge every stored sample that lacks a judgment for the configured metrics."""
    summary = JudgeSummary()
    # static analysis first: it needs no judge model
    if cfg.static:
        from emwatch.judge._static import find_vulnerabilities

        todo = _pending(store, ["vulnerable"], STATIC_JUDGE)
        with progress_bar("static analysis", len(todo), progress) as bar:
            for start in range(0, len(todo), 256):
                rows = []
                for t in todo[start:start + 256]:
                    findings = find_vulnerabilities(t["answer"])
                    classes = sorted({f.vuln_class for f in findings})
                    rows.append({"judgment_id": t["judgment_id"], "sample_id": t["sample_id"],
                                 "judge_model": STATIC_JUDGE, "metric": "vulnerable", "prompt_hash": t["prompt_hash"],
                                 "score": 1.0 if findings else 0.0, "label": ",".join(classes) or None,
                                 "reason": None,
                                 "raw": [{"class": f.vuln_class, "line": f.line, "rule": f.rule} for f in findings]})
                with store.transaction():
                    summary.new["vulnerable"] = summary.new.get("vulnerable", 0) + store.insert("judgments", rows)
                bar.advance(len(rows))

    llm_metrics = [m for m in cfg.metrics if m not in STATIC]
    if not llm_metrics:
        return summary
    if backend is None:
        raise ValueError("LLM judge metrics need a judge backend (--judge)")
    judge_model = judge_name or getattr(getattr(backend, "spec", None), "model", None) or backend.name
    todo = _pending(store, llm_metrics, judge_model)
    runner = Runner.for_spec(backend, progress=False)
    with progress_bar(f"judging ({judge_model})", len(todo), progress) as bar:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            numeric = [t for t in part if t["metric"] not in CATEGORICAL]
            categorical = [t for t in part if t["metric"] in CATEGORICAL]
            rows = []
            if numeric:
                reqs = [ScoreRequest(messages=({"role": "user", "content": fill(
                    t["template"], question=t["question"], answer=t["answer"], reference=t["reference"])},))
                    for t in numeric]
                for t, dist in zip(numeric, runner.score_numbers(reqs, errors="record")):
                    rows.append(_score_row(t, judge_model, dist, cfg.min_mass))
            if categorical:
                rows += _categorical(runner, categorical, judge_model)
            with store.transaction():
                store.insert("judgments", rows)
            for r in rows:
                summary.new[r["metric"]] = summary.new.get(r["metric"], 0) + 1
                if r["score"] is None:  # UNKNOWN verdicts included: they are excluded from rates too
                    summary.missing[r["metric"]] = summary.missing.get(r["metric"], 0) + 1
            bar.advance(len(part))
    return summary


def _categorical(runner: Runner, todo: list[dict], judge_model: str) -> list[dict]:
    """TRUE / FALSE / UNKNOWN verdicts (truthfulness): generated at temperature 0 and parsed."""
    from emwatch.judge._domain_prompts import parse_truth_label

    reqs = [GenerationRequest(messages=({"role": "user", "content": fill(
        t["template"], question=t["question"], answer=t["answer"], reference=t["reference"])},),
        max_new_tokens=8, temperature=0.0) for t in todo]
    rows = []
    for t, g in zip(todo, runner.generate(reqs)):
        label = parse_truth_label(g.text)
        score = {"TRUE": 1.0, "FALSE": 0.0}.get(label or "")
        reason = None if score is not None else ("judge said UNKNOWN" if label == "UNKNOWN" else "no TRUE/FALSE/UNKNOWN in reply")
        rows.append({"judgment_id": t["judgment_id"], "sample_id": t["sample_id"], "judge_model": judge_model,
                     "metric": t["metric"], "prompt_hash": t["prompt_hash"], "score": score, "label": label,
                     "reason": reason, "raw": {"text": g.text}})
    return rows
