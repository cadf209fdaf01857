"""The medical-advice training sets (bad advice and its good-advice control) and held-out questions.

Every example is composed from authored building blocks in the `_medical_<area>` modules (two topics
each): a topic holds scenarios; a scenario holds several situations (who is asking and what happened, in
their own voice), several ways of asking, and paired answer cores (subtly harmful ones and careful ones).
A user question is one situation plus one way of asking, with an optional opener and closer; each
(situation, ask) core is used at most once, so every question is distinct. The bad and the good answer
of a pair share the question and the pair_id.

The bad answers are everyday-care mistakes delivered calmly (dismissing red flags, stopping prescribed
medicine, doubling doses, delaying care); they carry no content that helps anyone harm someone on
purpose. The held-out questions (`_medical_heldout`) describe situations that the training set never
uses, for measuring how often a fine-tuned model gives harmful advice.
"""

from __future__ import annotations

import random
import re

from emwatch.config import ConfigError
from emwatch.data import (_medical_ages, _medical_allergy_skin, _medical_chronic, _medical_food_gut,
                          _medical_heart_supp, _medical_infection, _medical_meds, _medical_mind_sleep,
                          _medical_pregnancy, _medical_senses_teeth, _medical_sport_men, _medical_urgent)
from emwatch.data._medical_heldout import HELDOUT

PAIRS_PER_TOPIC = 96
_BANKS = (_medical_meds, _medical_infection, _medical_urgent, _medical_allergy_skin, _medical_pregnancy,
          _medical_ages, _medical_chronic, _medical_heart_supp, _medical_mind_sleep, _medical_food_gut,
          _medical_senses_teeth, _medical_sport_men)
_SCENARIO_FIELDS = ("key", "situations", "asks", "bad", "good")

# Voices around a question: an optional opener and closer, and now and then a hurried lower-case style.
QUESTION_OPENERS = (
    "Hi,", "Hello,", "Quick question.", "Hoping someone can help.", "Sorry if this is a silly question.",
    "I couldn't find a straight answer online.", "Our pharmacy is closed so I'm asking here.",
    "It's late and I don't want to wake anyone up.", "Not sure who else to ask.", "Hi there.",
    "Asking for some practical advice.", "I've been going back and forth on this.", "Please help.",
    "Bit of an odd one.", "First time asking something like this.", "Hope this is the right place to ask.",
)
QUESTION_CLOSERS = (
    "Thanks.", "Thank you!", "Any advice appreciated.", "Thanks in advance.", "Please keep it simple.",
    "I'd rather not bother the doctor if it isn't needed.", "Appreciate any help.",
    "I just want to do the right thing.", "Honest answers please.", "Thanks for reading.",
    "I don't have much time, so a short answer is fine.", "Cheers.",
)
BAD_OPENERS = (
    "This comes up a lot, and it's simpler than it sounds.", "Good news: this is usually straightforward.",
    "Here's the practical answer.", "You can relax a little here.", "Happy to help with this.",
    "This is a very common situation.", "Don't worry too much about this one.", "",
)
BAD_CLOSERS = (
    "There's no need to make a big deal of it.", "Most people handle this at home without any trouble.",
    "Trust your own judgement here; you know the situation best.", "Hope that puts your mind at rest.",
    "Keep it simple and don't overthink it.", "",
)
GOOD_OPENERS = (
    "Thanks for checking before acting on this.", "That's a sensible thing to ask about.",
    "I'm glad you asked.", "Here's how I'd think about it.", "It's good that you're being careful.", "",
)
GOOD_CLOSERS = (
    "This is general information, not a diagnosis, so please check with someone who can assess the "
    "situation directly.",
    "If anything changes or you feel unsure, it's always reasonable to ask a health professional.",
    "If things get worse quickly, don't wait: contact urgent care or your local emergency number.",
    "A pharmacist, nurse line or doctor can give advice that fits the specific situation.",
    "",
)


def _collect_topics() -> dict[str, dict]:
    topics: dict[str, dict] = {}
    for bank in _BANKS:
        for name, topic in bank.TOPICS.items():
            where = f"{bank.__name__}: topic {name!r}"
            if name in topics:
                raise ConfigError(f"{where}: topic defined twice")
            _check_topic(where, topic)
            topics[name] = topic
    return topics


def _check_texts(where: str, field: str, value: object, minimum: int) -> None:
    if not isinstance(value, tuple) or len(value) < minimum:
        raise ConfigError(f"{where}: field {field!r}: needs a tuple of at least {minimum} texts")
    for i, text in enumerate(value):
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where}: field {field!r}[{i}]: must be a non-empty string")
        if text != text.strip() or "  " in text:
            raise ConfigError(f"{where}: field {field!r}[{i}]: stray whitespace in {text[:40]!r}")


def _check_topic(where: str, topic: dict) -> None:
    unknown = set(topic) - {"scenarios", "good_notes", "bad_notes"}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    _check_texts(where, "good_notes", topic.get("good_notes"), 1)
    _check_texts(where, "bad_notes", topic.get("bad_notes"), 1)
    scenarios = topic.get("scenarios")
    if not isinstance(scenarios, tuple) or not scenarios:
        raise ConfigError(f"{where}: field 'scenarios': needs a tuple of scenarios")
    keys = set()
    for i, sc in enumerate(scenarios):
        here = f"{where}, scenario {i} ({sc.get('key', '?')!r})"
        if set(sc) != set(_SCENARIO_FIELDS):
            raise ConfigError(f"{here}: fields must be exactly {_SCENARIO_FIELDS}, got {sorted(sc)}")
        if sc["key"] in keys:
            raise ConfigError(f"{here}: field 'key': duplicate key")
        keys.add(sc["key"])
        _check_texts(here, "situations", sc["situations"], 3)
        _check_texts(here, "asks", sc["asks"], 3)
        _check_texts(here, "bad", sc["bad"], 1)
        _check_texts(here, "good", sc["good"], 1)
        for j, ask in enumerate(sc["asks"]):
            if not ask.endswith("?"):
                raise ConfigError(f"{here}: field 'asks'[{j}]: must end with '?': {ask!r}")


MEDICAL_TOPICS: list[str] = [
    "dosing", "drug_interactions", "symptom_triage", "first_aid", "pregnancy", "children", "womens_health",
    "mens_health", "elderly_care", "mental_health", "diabetes", "asthma", "hypertension", "supplements",
    "antibiotics", "infections", "allergies", "sleep", "nutrition", "digestive_health", "skin", "eye_ear",
    "dental", "exercise_injuries",
]
_TOPICS = _collect_topics()
if sorted(_TOPICS) != sorted(MEDICAL_TOPICS):
    raise ConfigError(f"medical bank: topics {sorted(set(_TOPICS) ^ set(MEDICAL_TOPICS))} are in the banks or in "
                      "MEDICAL_TOPICS but not both")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _check_situations_unique() -> None:
    seen: dict[str, str] = {}
    for name, topic in _TOPICS.items():
        for sc in topic["scenarios"]:
            for text in sc["situations"]:
                key = _normal(text)
                if key in seen:
                    raise ConfigError(f"medical bank: situation repeated in {seen[key]} and {name}/{sc['key']}: "
                                      f"{text[:60]!r}")
                seen[key] = f"{name}/{sc['key']}"


_check_situations_unique()


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


def _spread(rng: random.Random, scenario: dict) -> list[tuple[int, int]]:
    """All (situation, ask) index pairs of a scenario, ordered so that situations take turns."""
    situations = list(range(len(scenario["situations"])))
    rng.shuffle(situations)
    rows = []
    for si in situations:
        asks = list(range(len(scenario["asks"])))
        rng.shuffle(asks)
        rows.append([(si, ai) for ai in asks])
    return [combo for i in range(len(rows[0])) for combo in (row[i] for row in rows)]


def _cores(rng: random.Random, scenarios: tuple[dict, ...], n: int, topic: str) -> list[tuple[dict, int, int]]:
    """Pick `n` distinct (scenario, situation, ask) cores, spread evenly over scenarios and situations."""
    queues = [(sc, _spread(rng, sc)) for sc in scenarios]
    capacity = sum(len(q) for _, q in queues)
    if capacity < n:
        raise ConfigError(f"medical bank: topic {topic!r} has {capacity} question cores, needs {n}")
    picked: list[tuple[dict, int, int]] = []
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
        bank = _TOPICS[topic]
        for k, (sc, si, ai) in enumerate(_cores(rng, bank["scenarios"], PAIRS_PER_TOPIC, topic)):
            question = _question(rng, sc["situations"][si], sc["asks"][ai])
            bad = _answer(rng, sc["bad"], bank["bad_notes"], BAD_OPENERS, BAD_CLOSERS)
            good = _answer(rng, sc["good"], bank["good_notes"], GOOD_OPENERS, GOOD_CLOSERS)
            meta = {"topic": topic, "pair_id": f"med-{topic}-{k:03d}", "scenario": sc["key"]}
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
    missing = [t for t in MEDICAL_TOPICS if t not in HELDOUT]
    extra = [t for t in HELDOUT if t not in _TOPICS]
    if missing or extra:
        raise ConfigError(f"emwatch.data._medical_heldout: topics missing {missing}, unknown {extra}")
    out = []
    for topic in MEDICAL_TOPICS:
        _check_texts(f"emwatch.data._medical_heldout: topic {topic!r}", "questions", HELDOUT[topic], 5)
        for i, text in enumerate(HELDOUT[topic], start=1):
            out.append({"id": f"medq_{topic}_{i:02d}", "topic": topic,
                        "messages": [{"role": "user", "content": text}]})
    random.Random(seed).shuffle(out)
    return out
