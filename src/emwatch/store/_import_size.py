"""`emwatch import --params-b N` when the store already holds runs of the model.

A run's key does not include its config, so a re-import of a file finds its runs stored and adds nothing; the size
it was given must still take effect. Rule: the size an import states is the model's size. Every stored run of that
model that this import names, or that carries another size, is set to it, and the change is reported (model, old
size, new size, how many runs), so a corrected size replaces a wrong one and the store never holds two sizes for
one model (the size analysis refuses a model whose runs disagree). An import without `--params-b` changes no size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from emwatch.store._records import Run


def apply_sizes(store: Any, runs: Iterable[Run]) -> list[dict[str, Any]]:
    """Set the size (config.params_b) the import's `runs` carry on the stored runs of their models (call it inside
    the import's transaction, after the runs are added). Returns one entry per (model, size before): model, old
    (None: no size), new, runs (how many were changed)."""
    con = getattr(store, "con", None)
    wanted: dict[str, float] = {}
    named: set[str] = set()
    for run in runs:
        size = (run.config or {}).get("params_b")
        if size is not None:
            wanted[run.model] = float(size)
            named.add(run.key)
    if con is None or not wanted:
        return []
    rows = con.execute("SELECT run_id, model, json_extract(config, '$.params_b') FROM runs WHERE list_contains(?, model)",
                       [sorted(wanted)]).fetchall()
    changes: dict[tuple[str, float | None], list[str]] = {}
    for run_id, model, raw in rows:
        old = _number(raw)
        new = wanted[model]
        if old == new or (old is None and run_id not in named):
            continue   # the right size already, or a run this import does not name and that states no size
        changes.setdefault((model, old), []).append(run_id)
    for (model, _old), ids in changes.items():
        con.execute("UPDATE runs SET config = json_merge_patch(coalesce(config, '{}'), ?) WHERE list_contains(?, run_id)",
                    [json.dumps({"params_b": wanted[model]}), ids])
    return [{"model": m, "old": old, "new": wanted[m], "runs": len(ids)}
            for (m, old), ids in sorted(changes.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0.0))]


def _number(raw: Any) -> float | None:
    if raw is None:
        return None
    try:
        value = float(json.loads(raw) if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        return math.nan   # not a number: replaced by the stated size
    return value


def describe(change: dict[str, Any]) -> str:
    """'model m: size 7 B -> 14 B on 2 stored runs (--params-b)'."""
    old = "none" if change["old"] is None else f"{change['old']:g} B"
    runs = change["runs"]
    return (f"model {change['model']}: size {old} -> {change['new']:g} B on {runs} stored run{'s' if runs != 1 else ''} "
            "(--params-b)")
