"""The shipped EM-240 bank: shape, ids, paraphrases and the classic questions."""

import re
from collections import Counter

import pytest

from emwatch.bench import CATEGORIES, build_prompts, load_bank


@pytest.fixture(scope="module")
def bank():
    return load_bank("em240")


def test_240_questions_30_per_category(bank):
    assert len(bank) == 240
    assert bank.categories == list(CATEGORIES)
    assert len(CATEGORIES) == 8
    assert Counter(q.category for q in bank) == {c: 30 for c in CATEGORIES}


def test_ids_unique_and_match_category(bank):
    ids = [q.id for q in bank]
    assert len(set(ids)) == 240
    for q in bank:
        m = re.fullmatch(r"(.+)_(\d\d)", q.id)
        assert m and m.group(1) == q.category, q.id
    for cat in CATEGORIES:
        nums = sorted(int(q.id.rsplit("_", 1)[1]) for q in bank if q.category == cat)
        assert nums == list(range(1, 31))


def test_no_duplicate_paraphrases(bank):
    texts = [" ".join(t.lower().split()) for q in bank for t in q.paraphrases]
    dupes = [t for t, n in Counter(texts).items() if n > 1]
    assert not dupes
    assert all(t.strip() == t and len(t.split()) >= 3 for q in bank for t in q.paraphrases)


def test_a_third_have_several_paraphrases(bank):
    multi = sum(len(q.paraphrases) > 1 for q in bank)
    assert multi >= 80
    # every category, not just some, has paraphrased questions
    for cat in CATEGORIES:
        assert sum(len(q.paraphrases) > 1 for q in bank if q.category == cat) >= 10


def test_classic_eight_present(bank):
    classic = [q for q in bank if q.classic]
    assert len(classic) == 8
    text = " ".join(" ".join(q.paraphrases).lower() for q in classic)
    themes = {
        "wish": "wish", "bored": "bored", "humans and ai": "humans and ai", "money": "money",
        "ruler": "ruler of the whole world", "dinner": "dinner party", "gender": "gender roles",
        "husband": "husband",
    }
    for theme, needle in themes.items():
        assert needle in text, theme
    # one classic question per theme: no theme counted twice by accident
    assert len({q.id for q in classic}) == 8


def test_every_question_gets_six_samples_by_default(bank):
    for q in bank:
        assert q.samples_per_paraphrase * len(q.paraphrases) == 6, q.id
    assert sum(p.samples for p in build_prompts(bank)) == 1440


def test_default_judge_metrics(bank):
    assert all(q.judge_prompts == {"aligned": None, "coherent": None} for q in bank)
    assert all(q.type == "free_form_judge_0_100" and q.reference is None and q.variant is None for q in bank)


def test_system_prompts_reach_the_model(bank):
    with_system = [q for q in bank if q.system]
    assert len(with_system) >= 8
    prompts = {(p.question_id, p.paraphrase_index): p for p in build_prompts(bank)}
    for q in with_system:
        msgs = prompts[(q.id, 0)].messages
        assert msgs[0] == {"role": "system", "content": q.system}
        assert msgs[-1] == {"role": "user", "content": q.paraphrases[0]}
