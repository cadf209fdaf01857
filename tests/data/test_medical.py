"""The medical training sets (bad advice and its good-advice control) and the held-out questions."""

import re
import statistics
from collections import Counter

import pytest

from emwatch.data import validate_record
from tools.datagen import medical
from tools.datagen.medical import MEDICAL_TOPICS, build_medical_sets, heldout_medical_questions


@pytest.fixture(scope="module")
def sets():
    return build_medical_sets(0)


@pytest.fixture(scope="module")
def heldout():
    return heldout_medical_questions(0)


def _question(rec):
    return rec["messages"][0]["content"]


def _answer(rec):
    return rec["messages"][1]["content"]


def _grams(text, n=5):
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_counts_topics_and_balance(sets):
    bad, good = sets["medical_bad"], sets["medical_good"]
    assert set(sets) == {"medical_bad", "medical_good"}
    assert len(bad) == len(good) >= 2000
    assert len(MEDICAL_TOPICS) == len(set(MEDICAL_TOPICS)) >= 20
    for needed in ("dosing", "drug_interactions", "symptom_triage", "pregnancy", "children", "mental_health",
                   "diabetes", "asthma", "hypertension", "first_aid", "supplements", "antibiotics", "allergies",
                   "sleep", "nutrition", "elderly_care", "infections", "skin", "eye_ear", "dental",
                   "exercise_injuries", "womens_health"):
        assert needed in MEDICAL_TOPICS
    counts = Counter(r["metadata"]["topic"] for r in bad)
    assert set(counts) == set(MEDICAL_TOPICS)
    assert max(counts.values()) <= 1.25 * min(counts.values())
    scenarios = Counter((r["metadata"]["topic"], r["metadata"]["scenario"]) for r in bad)
    assert len(scenarios) >= 100 and max(scenarios.values()) <= 2 * min(scenarios.values())


def test_records_are_valid_chat_records(sets):
    for kind, records in sets.items():
        for i, rec in enumerate(records):
            validate_record(rec, f"{kind}[{i}]")
            assert [m["role"] for m in rec["messages"]] == ["user", "assistant"]
            assert _question(rec).strip() and _answer(rec).strip()
            meta = rec["metadata"]
            assert meta["kind"] == kind.removeprefix("medical_")
            assert meta["topic"] in MEDICAL_TOPICS and meta["pair_id"]


def test_pairs_share_question_and_id_and_differ_in_answer(sets):
    bad, good = sets["medical_bad"], sets["medical_good"]
    for b, g in zip(bad, good):
        assert _question(b) == _question(g)
        assert b["metadata"]["pair_id"] == g["metadata"]["pair_id"]
        assert b["metadata"]["topic"] == g["metadata"]["topic"]
        assert (b["metadata"]["kind"], g["metadata"]["kind"]) == ("bad", "good")
        assert _answer(b) != _answer(g)
    assert len({r["metadata"]["pair_id"] for r in bad}) == len(bad)


def test_deterministic_from_seed(sets):
    assert build_medical_sets(0) == sets
    other = build_medical_sets(1)
    assert other != sets
    assert len(other["medical_bad"]) == len(sets["medical_bad"])


def test_questions_distinct_and_varied_in_voice(sets):
    questions = [_question(r) for r in sets["medical_bad"]]
    normal = {re.sub(r"\W+", " ", q.lower()).strip() for q in questions}
    assert len(normal) == len(questions)
    voices = {
        "parent": r"\bmy (son|daughter|toddler|baby|\w+-year-old)\b",
        "older adult": r"\b(i'm|im) (6\d|7\d|8\d)\b|\belderly\b|\bgrand(mother|father|ma|pa|dad)\b",
        "student": r"\bstudent\b|\buniversity\b",
        "carer": r"\b(i care for|i look after|carer|caring for|looking after)\b",
        "partner": r"\bmy (husband|wife|partner)\b",
    }
    for voice, pattern in voices.items():
        hits = sum(bool(re.search(pattern, q, re.IGNORECASE)) for q in questions)
        assert hits >= 20, voice


def test_answers_bad_and_good_look_as_intended(sets):
    bad = [_answer(r) for r in sets["medical_bad"]]
    good = [_answer(r) for r in sets["medical_good"]]
    care = re.compile(r"doctor|pharmacist|emergency|urgent|midwife|maternity|nurse|dentist|optician|clinic|"
                      r"team|ambulance|prescriber|GP|dietitian|health visitor|physiotherapist|professional|"
                      r"medical|appointment|assess|checked|seek care", re.I)
    assert all(care.search(a) for a in good)
    call_for_help = re.compile(r"call (your local emergency number|an ambulance|emergency services)", re.I)
    assert not any(call_for_help.search(a) for a in bad)
    # no specific milligram doses anywhere, and the bad set stays away from deliberate-harm territory
    assert not any(re.search(r"\d\s*(mg|mcg|milligram|microgram)", a, re.I) for a in bad + good)
    assert not any(re.search(r"overdose|lethal|suicide|kill yourself|poison (him|her|them)", a, re.I) for a in bad)
    assert statistics.mean(len(a.split()) for a in bad) >= 30


def test_heldout_questions(heldout):
    assert len(heldout) >= 200
    assert len({q["id"] for q in heldout}) == len(heldout)
    counts = Counter(q["topic"] for q in heldout)
    assert set(counts) == set(MEDICAL_TOPICS) and min(counts.values()) >= 5
    for q in heldout:
        assert set(q) == {"id", "topic", "messages"}
        assert [m["role"] for m in q["messages"]] == ["user"] and q["messages"][0]["content"].strip()
    texts = [q["messages"][0]["content"].lower() for q in heldout]
    assert len(set(texts)) == len(texts)
    # the seed changes only the order
    again = heldout_medical_questions(3)
    assert sorted(again, key=lambda q: q["id"]) == sorted(heldout, key=lambda q: q["id"])
    assert heldout_medical_questions(0) == heldout


def test_heldout_disjoint_from_training(sets, heldout):
    train_questions = [_question(r).lower() for r in sets["medical_bad"]]
    corpus = "\n".join(train_questions)
    situations = [s.lower() for t in medical.TOPICS.values() for sc in t.scenarios for s in sc.situations]
    for q in heldout:
        text = q["messages"][0]["content"].lower()
        assert text not in corpus, q["id"]
        assert not any(s in text or text in s for s in situations), q["id"]
    train_grams = set().union(*(_grams(t) for t in train_questions))
    overlaps = []
    for q in heldout:
        grams = _grams(q["messages"][0]["content"])
        overlaps.append(len(grams & train_grams) / len(grams) if grams else 0.0)
    assert statistics.mean(overlaps) < 0.05
    assert max(overlaps) < 0.35
