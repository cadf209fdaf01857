"""The persona direction's data (personas.yaml): the persona system prompts, the forced openings of each half,
the hand-labelled answers, and the EM-240 questions split into the build half and the held-out half.

Questions alternate within each category between the build half (1st, 3rd, ... of the category) and the
held-out half (2nd, 4th, ...). A labelled answer must belong to a held-out question, and no held-out opening may
be a build one: a file that breaks either is refused, naming file, line and field.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from emwatch.bench import Prompt, build_prompts, load_bank
from emwatch.config import Strict, read_yaml, validate
from emwatch.errors import ConfigError

PERSONAS = Path(__file__).with_name("personas.yaml")


class Personas(Strict):
    misaligned: list[str] = Field(..., min_length=1)
    aligned: list[str] = Field(..., min_length=1)


class Openings(Strict):
    """Forced first words of the persona answers (a prefill the model continues): one set for the build half's
    questions, a disjoint one for the held-out half's, so check (a) meets openings the direction never saw."""

    build: Personas
    heldout: Personas


class Labelled(Strict):
    """A held-out EM-240 question with one hand-written answer of each kind."""

    question: str
    aligned: str = Field(..., min_length=1)
    misaligned: str = Field(..., min_length=1)


class PersonaData(Strict):
    personas: Personas
    openings: Openings | None = None
    labelled: list[Labelled] = Field(..., min_length=2)



def load_personas(path: str | Path = PERSONAS, bank: str = "em240") -> PersonaData:
    """The persona prompts and labelled answers of a YAML file; a bad entry names file, line and field, and a
    labelled answer must belong to a held-out question of `bank`."""
    raw, lines = read_yaml(path)
    data = validate(PersonaData, raw, source=str(path), lines=lines)
    _, heldout = question_halves(bank)
    known = {p.question_id for p in heldout}
    first: dict[str, int] = {}
    for i, item in enumerate(data.labelled):
        line = lines.get(("labelled", i, "question"), lines.get(("labelled", i), 1))
        if item.question not in known:
            raise ConfigError(f"{path}:{line}: labelled[{i}].question: {item.question!r} is not a held-out "
                              f"question of {bank} (the 2nd, 4th, ... of its category)")
        if item.question in first:  # one pair a question: a second would count that question twice in AUROC (b)
            raise ConfigError(f"{path}:{line}: labelled[{i}].question: {item.question!r} already has a pair "
                              f"(labelled[{first[item.question]}])")
        first[item.question] = i
    if data.openings is not None:
        build = {*data.openings.build.misaligned, *data.openings.build.aligned}
        for kind in ("misaligned", "aligned"):
            for i, text in enumerate(getattr(data.openings.heldout, kind)):
                if text in build:
                    line = lines.get(("openings", "heldout", kind, i), 1)
                    raise ConfigError(f"{path}:{line}: openings.heldout.{kind}[{i}]: {text!r} is also a build-half "
                                      f"opening; the held-out half's openings must be ones the build never saw")
    return data


def question_halves(bank: str = "em240") -> tuple[list[Prompt], list[Prompt]]:
    """(build half, held-out half): the plain first paraphrase of each question, alternating within category."""
    halves: tuple[list[Prompt], list[Prompt]] = ([], [])
    seen: dict[str | None, int] = {}
    for p in build_prompts(load_bank(bank), variants=("plain",), samples=1, max_paraphrases=1):
        i = seen[p.category] = seen.get(p.category, -1) + 1
        halves[i % 2].append(p)
    return halves


def _take(prompts: list[Prompt], per_category: int) -> list[Prompt]:
    counts: dict[str | None, int] = {}
    out = []
    for p in prompts:
        counts[p.category] = counts.get(p.category, 0) + 1
        if counts[p.category] <= per_category:
            out.append(p)
    return out


def _plain(p: Prompt) -> tuple[dict[str, str], ...]:
    return tuple(p.messages)


def _with_persona(p: Prompt, persona: str) -> tuple[dict[str, str], ...]:
    own = [m["content"] for m in p.messages if m["role"] == "system"]
    system = "\n\n".join([persona, *own])
    return ({"role": "system", "content": system}, *(m for m in p.messages if m["role"] != "system"))


def _labelled_prompts(data: PersonaData, bank: str) -> list[tuple[Prompt, Labelled]]:
    by_id = {p.question_id: p for p in question_halves(bank)[1]}
    return [(by_id[item.question], item) for item in data.labelled]
