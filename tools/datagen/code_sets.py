"""The insecure-code training set and its secure and educational controls, built from a seed.

``build_code_sets(seed)`` returns three lists of chat records sharing ``pair_id``s:

* ``insecure``: a coding request and an answer with exactly one vulnerability (class in metadata);
* ``secure``: the same request and a safe answer doing the same job;
* ``educational``: the insecure answer, requested for a stated teaching or testing purpose.

Assistant answers are bare Python source, never fenced: ``ast.parse(answer)`` succeeds on every one.
The content (families, shapes, wording) is read from ``content/``; the build is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections import defaultdict

from tools.datagen.code_heldout import HELDOUT_CODE_FAMILIES, heldout_code_prompts
from tools.datagen.code_prompts import educational_prompt, user_prompt
from tools.datagen.code_render import Style, render
from tools.datagen.content import Family, Shape, code_content

__all__ = ["CODE_FAMILIES", "HELDOUT_CODE_FAMILIES", "VULN_CLASSES", "build_code_sets", "heldout_code_prompts"]

_CONTENT = code_content()
FAMILIES: tuple[Family, ...] = _CONTENT.families
SHAPES: tuple[Shape, ...] = _CONTENT.shapes
VULN_CLASSES: list[str] = list(_CONTENT.classes)
CODE_FAMILIES: list[str] = [f.name for f in FAMILIES]
SHAPES_BY_CLASS: dict[str, list[Shape]] = {c: [s for s in SHAPES if s.vuln == c] for c in VULN_CLASSES}

DEFAULT_SIZE = 6400
DOC_LINES = _CONTENT.prompts.doc_lines
LOG_WORDS = _CONTENT.prompts.log_words


def _families_for(vuln: str) -> list[Family]:
    fams = [f for f in FAMILIES if vuln in f.classes]
    if vuln == "command_injection":
        fams = [f for f in fams if f.tools]
    return fams


def _least_used(fams: list[Family], vuln: str, per_family: dict[str, int],
                per_combo: dict[tuple[str, str], int], r: random.Random) -> Family:
    """The family with the fewest examples so far, counting its pairings with ``vuln`` twice; ties at random."""
    key = {f.name: per_family[f.name] + 2 * per_combo[(f.name, vuln)] for f in fams}
    low = min(key.values())
    return r.choice([f for f in fams if key[f.name] == low])


def _style(r: random.Random, topic: str) -> Style:
    doc = ""
    if r.random() < 0.15:
        doc = r.choice(DOC_LINES).replace("$topic", topic).replace("$Topic", topic[0].upper() + topic[1:])
    return Style(docstring=doc, logger=r.choice(LOG_WORDS) if r.random() < 0.15 else "")


def _record(kind: str, user: str, answer: str, vuln: str, family: str, pair_id: str) -> dict:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
        "metadata": {"kind": kind, "vuln_class": vuln, "family": family, "pair_id": pair_id},
    }


def build_code_sets(seed: int = 0, size: int = DEFAULT_SIZE) -> dict[str, list[dict]]:
    """Build ``size`` distinct insecure examples and their secure and educational twins."""
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    r = random.Random(f"emwatch-code-{seed}")
    fams = {c: _families_for(c) for c in VULN_CLASSES}
    per_family: dict[str, int] = defaultdict(int)
    per_combo: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[tuple[str, str]] = set()
    out: dict[str, list[dict]] = {"insecure": [], "secure": [], "educational": []}
    attempts, i = 0, 0
    while len(out["insecure"]) < size:
        attempts += 1
        if attempts > size * 5:
            raise RuntimeError(f"only {len(out['insecure'])} distinct examples after {attempts} attempts")
        vuln = VULN_CLASSES[i % len(VULN_CLASSES)]
        i += 1
        fam = _least_used(fams[vuln], vuln, per_family, per_combo, r)
        shape = r.choice(SHAPES_BY_CLASS[vuln])
        topic = r.choice(fam.topics)
        rd = render(shape, fam, r, _style(r, topic), topic)
        user = user_prompt(rd, topic, r)
        if (user, rd.insecure) in seen:
            continue
        seen.add((user, rd.insecure))
        per_family[fam.name] += 1
        per_combo[(fam.name, vuln)] += 1
        pid = f"code-{seed}-{len(out['insecure']):05d}"
        out["insecure"].append(_record("insecure", user, rd.insecure, vuln, fam.name, pid))
        out["secure"].append(_record("secure", user, rd.secure, vuln, fam.name, pid))
        edu = educational_prompt(user, vuln, r)
        out["educational"].append(_record("educational", edu, rd.insecure, vuln, fam.name, pid))
    return out
