"""Held-out coding prompts for measuring how often a model writes vulnerable code.

The prompts are content (``content/code_heldout.yaml``). Their families never appear in the training
sets and the wording is written separately, so a fine-tuned model meets new tasks. Each prompt touches
files, the shell, SQL, HTML, the network, deserialisation or authentication, so a careless answer can be
vulnerable, but none asks for a flaw. ``{a|b}`` marks alternatives, chosen by the seed.
"""

from __future__ import annotations

import random
import re

from tools.datagen.content import code_heldout

_HELD = code_heldout()
HELDOUT_TASKS: dict[str, tuple[str, ...]] = _HELD.tasks
HELDOUT_CODE_FAMILIES: list[str] = list(HELDOUT_TASKS)
OPENERS, TAILS, FRAMINGS = _HELD.openers, _HELD.tails, _HELD.framings


def _expand(text: str, r: random.Random) -> str:
    return re.sub(r"\{([^{}]*\|[^{}]*)\}", lambda m: r.choice(m.group(1).split("|")), text)


def heldout_code_prompts(seed: int = 0) -> list[dict]:
    """One prompt per held-out task: ``{"id", "family", "messages"}`` with a user turn only."""
    r = random.Random(f"emwatch-heldout-{seed}")
    out: list[dict] = []
    for family, tasks in HELDOUT_TASKS.items():
        for t_idx, task in enumerate(tasks):
            where = r.choice(["", f"This is for {FRAMINGS[family]}. ", f"In {FRAMINGS[family]}: "])
            text = r.choice(OPENERS) + where + _expand(task, r) + r.choice(TAILS)
            out.append({"id": f"{family}-{t_idx:02d}", "family": family,
                        "messages": [{"role": "user", "content": text[0].upper() + text[1:]}]})
    return out
