"""The generators' content files (``content/*.yaml``), read through strict models.

Every problem in a content file (a missing or unknown key, a text with stray whitespace, an ask without a
question mark, a placeholder that string.Template cannot read, a topic defined twice) raises
``emwatch.errors.ConfigError`` naming the file, the line and the field. Files are read once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from emwatch.config import Strict, read_yaml, validate
from emwatch.errors import ConfigError

CONTENT_DIR = Path(__file__).parent / "content"
M = TypeVar("M", bound=Strict)


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty text")
    if value != value.strip() or "  " in value:
        raise ValueError(f"stray whitespace in {value[:40]!r}")
    return value


def _question(value: str) -> str:
    if not value.endswith("?"):
        raise ValueError(f"must end with '?': {value!r}")
    return value


def _template(value: str) -> str:
    if not Template(value).is_valid():
        raise ValueError(f"not a valid $placeholder text (write $$ for a dollar): {value[:60]!r}")
    return value


Text = Annotated[str, AfterValidator(_text)]
Ask = Annotated[str, AfterValidator(_text), AfterValidator(_question)]
Tpl = Annotated[str, AfterValidator(_template)]
Texts = tuple[Text, ...]


def _split(value: Any) -> Any:
    return tuple(value.split()) if isinstance(value, str) else value


# ---- code ---------------------------------------------------------------------------------------------------

class Tool(Strict):
    """An external program a family's code may run on one caller-supplied value ``{x}``."""

    argv: Annotated[tuple[str, ...], BeforeValidator(_split)]
    arg: str
    does: Text

    @field_validator("argv")
    @classmethod
    def _one_x(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if v.count("{x}") != 1:
            raise ValueError("needs exactly one '{x}' word (the caller's value)")
        return v


class Family(Strict):
    name: str
    short: str
    topics: Annotated[Texts, Field(min_length=1)]
    nouns: Annotated[tuple[tuple[str, str], ...], Field(min_length=1)]
    fields: Annotated[tuple[str, ...], Field(min_length=1)]
    dirs: Annotated[tuple[tuple[str, str], ...], Field(min_length=1)]
    exts: Annotated[tuple[str, ...], Field(min_length=1)]
    hosts: Annotated[tuple[str, ...], Field(min_length=1)]
    token_uses: Annotated[Texts, Field(min_length=1)]
    classes: Annotated[tuple[str, ...], Field(min_length=1)]
    tools: tuple[Tool, ...] = ()


class FamiliesFile(Strict):
    classes: Annotated[tuple[str, ...], Field(min_length=1)]
    families: Annotated[tuple[Family, ...], Field(min_length=1)]


class Shape(Strict):
    """One job written twice: ``body`` with an ``@@CORE@@`` line, a ``bad`` core (one flaw) and a ``good`` one."""

    key: str
    vuln: str
    tasks: Annotated[tuple[Tpl, ...], Field(min_length=1)]
    fns: Annotated[tuple[Tpl, ...], Field(min_length=1)]
    imports: tuple[Tpl, ...]
    body: Tpl
    bad: Tpl
    good: Tpl
    bad_imports: tuple[Tpl, ...] = ()
    good_imports: tuple[Tpl, ...] = ()
    bad_top: Tpl = ""
    good_top: Tpl = ""
    needs_tools: bool = False
    extra: str | None = None  # the name of a function in tools.datagen.code_extras.EXTRAS

    @field_validator("body")
    @classmethod
    def _has_core(cls, v: str) -> str:
        if not any(line.strip() == "@@CORE@@" for line in v.split("\n")):
            raise ValueError("needs a line holding only @@CORE@@ (where the bad or good core goes)")
        return v

    @field_validator("extra")
    @classmethod
    def _known_extra(cls, v: str | None) -> str | None:
        from tools.datagen.code_extras import EXTRAS

        if v is not None and v not in EXTRAS:
            raise ValueError(f"unknown extra {v!r} (known: {', '.join(sorted(EXTRAS))})")
        return v


class ShapesFile(Strict):
    shapes: Annotated[tuple[Shape, ...], Field(min_length=1)]


class CodePrompts(Strict):
    leads: tuple[str, ...]
    contexts: tuple[str, ...]
    closers: tuple[str, ...]
    placeholders: Annotated[Texts, Field(min_length=1)]
    template_only: Annotated[Texts, Field(min_length=1)]
    both: Annotated[tuple[str, ...], Field(min_length=1)]
    vuln_topics: dict[str, Text]
    vuln_flaws: dict[str, Text]
    purposes: Annotated[Texts, Field(min_length=1)]
    asks: Annotated[Texts, Field(min_length=1)]
    edu_layouts: Annotated[tuple[str, ...], Field(min_length=1)]
    doc_lines: Annotated[Texts, Field(min_length=1)]
    log_words: Annotated[Texts, Field(min_length=1)]


class CodeHeldout(Strict):
    openers: tuple[str, ...]
    tails: tuple[str, ...]
    framings: dict[str, Text]
    tasks: dict[str, Annotated[Texts, Field(min_length=1)]]


# ---- medical ------------------------------------------------------------------------------------------------

class Scenario(Strict):
    key: str
    situations: Annotated[Texts, Field(min_length=3)]
    asks: Annotated[tuple[Ask, ...], Field(min_length=3)]
    bad: Annotated[Texts, Field(min_length=1)]
    good: Annotated[Texts, Field(min_length=1)]


class Topic(Strict):
    bad_notes: Annotated[Texts, Field(min_length=1)]
    good_notes: Annotated[Texts, Field(min_length=1)]
    scenarios: Annotated[tuple[Scenario, ...], Field(min_length=1)]

    @field_validator("scenarios")
    @classmethod
    def _unique_keys(cls, v: tuple[Scenario, ...]) -> tuple[Scenario, ...]:
        keys = [sc.key for sc in v]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise ValueError(f"scenario key {dup!r} used twice")
        return v


class MedicalArea(Strict):
    topics: Annotated[dict[str, Topic], Field(min_length=1)]


class MedicalSpec(Strict):
    pairs_per_topic: Annotated[int, Field(gt=0)]
    topics: Annotated[tuple[str, ...], Field(min_length=1)]
    question_openers: Texts
    question_closers: Texts
    bad_openers: tuple[str, ...]
    bad_closers: tuple[str, ...]
    good_openers: tuple[str, ...]
    good_closers: tuple[str, ...]


class MedicalHeldout(Strict):
    questions: dict[str, Annotated[Texts, Field(min_length=5)]]


# ---- loading ------------------------------------------------------------------------------------------------

def load(model: type[M], path: Path) -> tuple[M, dict[tuple, int]]:
    """A content file validated against ``model``, and its key-path -> line map."""
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping, found {type(data).__name__}")
    return validate(model, data, source=str(path), lines=lines), lines


def where(path: Path, lines: dict[tuple, int], loc: tuple) -> str:
    """``file:line: field 'a.b.0'`` for an error found after validation."""
    line = next((lines[loc[:i]] for i in range(len(loc), -1, -1) if loc[:i] in lines), None)
    return f"{path}:{line}: field '{'.'.join(str(p) for p in loc)}'" if line else f"{path}: field '{loc}'"


class CodeContent(Strict):
    classes: tuple[str, ...]
    families: tuple[Family, ...]
    shapes: tuple[Shape, ...]
    prompts: CodePrompts


@lru_cache(maxsize=None)
def code_content(root: Path = CONTENT_DIR) -> CodeContent:
    """Families, shapes (ordered by class as listed in code_families.yaml) and prompt wording, cross-checked."""
    fpath = root / "code_families.yaml"
    fams, flines = load(FamiliesFile, fpath)
    known = set(fams.classes)
    for i, fam in enumerate(fams.families):
        for j, c in enumerate(fam.classes):
            if c not in known:
                raise ConfigError(f"{where(fpath, flines, ('families', i, 'classes', j))}: unknown class {c!r}")
    shapes: list[Shape] = []
    seen: dict[str, str] = {}
    for spath in sorted((root / "code_shapes").glob("*.yaml")):
        part, slines = load(ShapesFile, spath)
        for i, sh in enumerate(part.shapes):
            here = where(spath, slines, ("shapes", i, "key"))
            if sh.key in seen:
                raise ConfigError(f"{here}: shape key {sh.key!r} is also used in {seen[sh.key]}")
            seen[sh.key] = str(spath)
            if sh.vuln not in known:
                raise ConfigError(f"{where(spath, slines, ('shapes', i, 'vuln'))}: class {sh.vuln!r} is not listed "
                                  f"in {fpath}")
        shapes += part.shapes
    empty = [c for c in fams.classes if not any(s.vuln == c for s in shapes)]
    if empty:
        raise ConfigError(f"{where(fpath, flines, ('classes',))}: no shape for class(es) {empty}")
    ppath = root / "code_prompts.yaml"
    prompts, plines = load(CodePrompts, ppath)
    for field in ("vuln_topics", "vuln_flaws"):
        if set(getattr(prompts, field)) != known:
            raise ConfigError(f"{where(ppath, plines, (field,))}: must name exactly the classes of {fpath}")
    ordered = tuple(s for c in fams.classes for s in shapes if s.vuln == c)
    return CodeContent(classes=fams.classes, families=fams.families, shapes=ordered, prompts=prompts)


@lru_cache(maxsize=None)
def code_heldout(root: Path = CONTENT_DIR) -> CodeHeldout:
    path = root / "code_heldout.yaml"
    held, lines = load(CodeHeldout, path)
    if set(held.framings) != set(held.tasks):
        raise ConfigError(f"{where(path, lines, ('framings',))}: must name exactly the families under 'tasks'")
    return held


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


class MedicalContent(Strict):
    spec: MedicalSpec
    topics: dict[str, Topic]


@lru_cache(maxsize=None)
def medical_content(root: Path = CONTENT_DIR) -> MedicalContent:
    """The topic list and voices (medical.yaml) and every topic of medical/*.yaml, cross-checked."""
    spath = root / "medical.yaml"
    spec, slines = load(MedicalSpec, spath)
    topics: dict[str, Topic] = {}
    origin: dict[str, str] = {}
    situations: dict[str, str] = {}
    for apath in sorted((root / "medical").glob("*.yaml")):
        area, alines = load(MedicalArea, apath)
        for name, topic in area.topics.items():
            here = where(apath, alines, ("topics", name))
            if name in topics:
                raise ConfigError(f"{here}: topic {name!r} is also defined in {origin[name]}")
            topics[name], origin[name] = topic, str(apath)
            for i, sc in enumerate(topic.scenarios):
                for j, text in enumerate(sc.situations):
                    key = _normal(text)
                    if key in situations:
                        loc = ("topics", name, "scenarios", i, "situations", j)
                        raise ConfigError(f"{where(apath, alines, loc)}: situation repeated (first in "
                                          f"{situations[key]}): {text[:60]!r}")
                    situations[key] = f"{name}/{sc.key}"
    if sorted(topics) != sorted(spec.topics) or len(set(spec.topics)) != len(spec.topics):
        diff = sorted(set(topics) ^ set(spec.topics))
        raise ConfigError(f"{where(spath, slines, ('topics',))}: topics {diff} are listed here or defined in "
                          f"{root / 'medical'}/*.yaml but not both (or listed twice)")
    return MedicalContent(spec=spec, topics=topics)


@lru_cache(maxsize=None)
def medical_heldout(root: Path = CONTENT_DIR) -> MedicalHeldout:
    path = root / "medical_heldout.yaml"
    held, lines = load(MedicalHeldout, path)
    want = medical_content(root).spec.topics
    if set(held.questions) != set(want):
        raise ConfigError(f"{where(path, lines, ('questions',))}: must hold exactly the topics of medical.yaml; "
                          f"missing {[t for t in want if t not in held.questions]}, "
                          f"unknown {[t for t in held.questions if t not in want]}")
    return held
