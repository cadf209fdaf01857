"""The medical-advice training sets (bad advice and its good-advice control) and held-out questions.

Every example is composed from authored building blocks in ``content/medical/<area>.yaml`` (two topics
each; the topic order and the voices are in ``content/medical.yaml``): a topic holds scenarios; a scenario
holds several situations (who is asking and what happened, in their own voice), several ways of asking,
and paired answer cores (subtly harmful ones and careful ones). A user question is one situation plus one
way of asking, with an optional opener and closer; each (situation, ask) core is used at most once, so
every question is distinct. The bad and the good answer of a pair share the question and the pair_id.

The bad answers are everyday-care mistakes delivered calmly (dismissing red flags, stopping prescribed
medicine, doubling doses, delaying care); they carry no content that helps anyone harm someone on
purpose. The held-out questions (``content/medical_heldout.yaml``) describe situations that the training
set never uses, for measuring how often a fine-tuned model gives harmful advice.
"""

from __future__ import annotations

import random

from emwatch.errors import ConfigError
from tools.datagen.content import CONTENT_DIR, Scenario, medical_content, medical_heldout

_CONTENT = medical_content()
_SPEC = _CONTENT.spec
PAIRS_PER_TOPIC = _SPEC.pairs_per_topic
MEDICAL_TOPICS: list[str] = list(_SPEC.topics)
TOPICS = _CONTENT.topics
QUESTION_OPENERS, QUESTION_CLOSERS = _SPEC.question_openers, _SPEC.question_closers
BAD_OPENERS, BAD_CLOSERS = _SPEC.bad_openers, _SPEC.bad_closers
GOOD_OPENERS, GOOD_CLOSERS = _SPEC.good_openers, _SPEC.good_closers


def _casual(text: str) -> str:
    """A hurried phone-typed voice: lower case, no final full stop."""
    text = text.lower().replace("i'm ", "im ").replace("don't", "dont").replace("can't", "cant")
    return text[:-1] if text.endswith(".") else text


def _question(rng: random.Random, situation: str, ask: str) -> str:
    parts = [situation, ask]
    if rng.random() < 0.35:
        parts.insert(0, rng.choice(QUESTION_OPENERS))
    if rng.random() < 0.3:
        parts.append(rng.choice(QUESTION_CLOSERS))
    text = " ".join(parts)
    return _casual(text) if rng.random() < 0.12 else text


def _answer(rng: random.Random, cores: tuple[str, ...], notes: tuple[str, ...],
            openers: tuple[str, ...], closers: tuple[str, ...]) -> str:
    parts = []
    if rng.random() < 0.5:
        parts.append(rng.choice(openers))
    parts.append(rng.choice(cores))
    if rng.random() < 0.5:
        parts.append(rng.choice(notes))
    if rng.random() < 0.4:
        parts.append(rng.choice(closers))
    return " ".join(p for p in parts if p)


def _spread(rng: random.Random, scenario: Scenario) -> list[tuple[int, int]]:
    """All (situation, ask) index pairs of a scenario, ordered so that situations take turns."""
    situations = list(range(len(scenario.situations)))
    rng.shuffle(situations)
    rows = []
    for si in situations:
        asks = list(range(len(scenario.asks)))
        rng.shuffle(asks)
        rows.append([(si, ai) for ai in asks])
    return [combo for i in range(len(rows[0])) for combo in (row[i] for row in rows)]


def _cores(rng: random.Random, scenarios: tuple[Scenario, ...], n: int,
           topic: str) -> list[tuple[Scenario, int, int]]:
    """Pick `n` distinct (scenario, situation, ask) cores, spread evenly over scenarios and situations."""
    queues = [(sc, _spread(rng, sc)) for sc in scenarios]
    capacity = sum(len(q) for _, q in queues)
    if capacity < n:
        raise ConfigError(f"{CONTENT_DIR}/medical: topic {topic!r} has {capacity} question cores, needs {n}")
    picked: list[tuple[Scenario, int, int]] = []
    depth = 0
    while len(picked) < n:
        for sc, queue in queues:
            if depth < len(queue) and len(picked) < n:
                picked.append((sc, *queue[depth]))
        depth += 1
    return picked


def build_medical_sets(seed: int = 0) -> dict[str, list[dict]]:
    """The paired training sets: {"medical_bad": [...], "medical_good": [...]}, same length and order.

    Each record is {"messages": [user, assistant], "metadata": {"kind", "topic", "pair_id", "scenario"}};
    record i of both lists shares the user question and the pair_id. Deterministic from `seed`.
    """
    rng = random.Random(seed)
    pairs: list[tuple[dict, dict]] = []
    for topic in MEDICAL_TOPICS:
        bank = TOPICS[topic]
        for k, (sc, si, ai) in enumerate(_cores(rng, bank.scenarios, PAIRS_PER_TOPIC, topic)):
            question = _question(rng, sc.situations[si], sc.asks[ai])
            bad = _answer(rng, sc.bad, bank.bad_notes, BAD_OPENERS, BAD_CLOSERS)
            good = _answer(rng, sc.good, bank.good_notes, GOOD_OPENERS, GOOD_CLOSERS)
            meta = {"topic": topic, "pair_id": f"med-{topic}-{k:03d}", "scenario": sc.key}
            pairs.append((_record(question, bad, "bad", meta), _record(question, good, "good", meta)))
    rng.shuffle(pairs)
    return {"medical_bad": [b for b, _ in pairs], "medical_good": [g for _, g in pairs]}


def _record(question: str, answer: str, kind: str, meta: dict) -> dict:
    return {
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        "metadata": {"kind": kind, **meta},
    }


def heldout_medical_questions(seed: int = 0) -> list[dict]:
    """At least 200 medical questions whose situations never occur in training, for the harmful-advice
    rate: [{"id", "topic", "messages": [user]}]. Ids are stable; `seed` only shuffles the order."""
    questions = medical_heldout().questions  # checked there: the same topics, at least 5 clean texts each
    out = []
    for topic in MEDICAL_TOPICS:
        for i, text in enumerate(questions[topic], start=1):
            out.append({"id": f"medq_{topic}_{i:02d}", "topic": topic,
                        "messages": [{"role": "user", "content": text}]})
    random.Random(seed).shuffle(out)
    return out
