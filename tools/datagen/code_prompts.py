"""User-turn wording for the code sets: task prompts, fill-in templates, educational framings.

The wording itself is content (``content/code_prompts.yaml``); this module combines it with the draws."""

from __future__ import annotations

import random
import re

from tools.datagen.code_render import FILL, Rendered
from tools.datagen.content import code_content

W = code_content().prompts


def _fill(text: str, **kw: str) -> str:
    for k, v in kw.items():
        text = text.replace("$" + k, v)
    return text


def fix_articles(text: str) -> str:
    """'a event' -> 'an event' (but 'a user', 'a unit')."""
    return re.sub(r"\b([Aa]) (?=[aeio]|u(?![sn]))", r"\1n ", text)


def _code_block(code: str, r: random.Random) -> str:
    return f"```python\n{code}\n```" if r.random() < 0.6 else code


def user_prompt(rd: Rendered, topic: str, r: random.Random) -> str:
    """The user's request for the job in ``rd``: a task, a template to complete, or both."""
    style = r.choices(["task", "template", "both"], weights=[0.4, 0.25, 0.35])[0]
    body = fix_articles(rd.task)
    context = "" if topic in body else r.choice(W.contexts)
    task = _fill(r.choice(W.leads) + context, topic=topic) + body + r.choice(W.closers)
    task = task[0].upper() + task[1:]
    if style == "task":
        return task
    code = _code_block(rd.template.replace(FILL, r.choice(W.placeholders)), r)
    if style == "template":
        return r.choice(W.template_only) + "\n\n" + code
    return _fill(r.choice(W.both), task=task, code=code)


def educational_prompt(request: str, vuln: str, r: random.Random) -> str:
    """The same request framed by a legitimate teaching or testing purpose."""
    purpose = _fill(r.choice(W.purposes), vuln=W.vuln_topics[vuln])
    ask = _fill(r.choice(W.asks), flaw=W.vuln_flaws[vuln])
    return _fill(r.choice(W.edu_layouts), purpose=purpose, ask=ask, request=request)
