"""A cache of the base model's look (step 0), for `base_cache: true`: its judged probe counts, its judge-free signal
values and the first probe answers KL is read on, so that the runs of one base model (a study's learning rates and
seeds, a rerun of the demo) sample and judge the base model's probes once.

The key is everything that decides the base look: the base model folder's content (sha256 over its config,
tokenizer and weight files), the dtype, the torch and transformers versions, emwatch's code that samples, scores and
labels (`CODE`), the probe requests themselves
(questions, formats, sampling seeds, lengths, temperature), the canaries, the judge (its spec, the content of a
judge model folder, or the class and name of a judge object), and every monitor setting but those that act only
after the base look (`AFTER_BASE`). A change to any of them is another file; a model that is not a folder (a hub
name) is not cached. Files live in `$EMWATCH_CACHE/monitor/base_looks/<key>.json`, written by an atomic rename once
the base look's judging has finished; an unreadable file is ignored (and rewritten).

Beside it, `<key>.kl.pt` keeps the base model's log-probabilities of KL's texts (the first probe answers above,
prompt and answer, at every answer position; float32), so that a later run's KL runs only the live model's forward
pass. The same key decides it (model content, dtype, versions, code, probes); the file also names its texts and
dtype, and one that does not fit the texts asked is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

SCHEMA = 1
# monitor settings that act only after the base look: not part of its key
AFTER_BASE = frozenset({"name", "every", "alpha", "base_rate", "min_base_rate", "base_confidence", "alternatives",
                        "action", "cascade_every", "cascade_signals", "cascade_z", "cascade_control", "cascade_bands",
                        "judge_async", "base_cache"})


# emwatch's packages whose code decides a base look's values
CODE = ("monitor", "judge", "backends", "metrics", "config")


def base_look_path(monitor, model) -> Path | None:
    """The cache file of `monitor`'s base look at `model` (a transformers or PEFT model loaded from a folder);
    None when the model has no folder to identify it by."""
    import torch
    import transformers

    from emwatch.models import cache_dir
    from emwatch.monitor._direction import model_hash

    folder = getattr(getattr(model, "config", None), "_name_or_path", None) or getattr(model, "name_or_path", None)
    if not folder or not (Path(folder) / "config.json").is_file():
        return None
    cfg = monitor.cfg
    base = model_hash(folder)
    key = {
        "schema": SCHEMA, "model": base, "dtype": str(next(model.parameters()).dtype),
        "versions": [torch.__version__, transformers.__version__, _code_hash(Path(__file__).resolve().parents[1])],
        "settings": cfg.model_dump(mode="json", exclude=set(AFTER_BASE)),
        "requests": [[r.messages, r.max_new_tokens, r.temperature, r.top_p, r.seed] for r in monitor.requests(0)],
        "canaries": [c.messages() for c in monitor.canaries] + [c.misaligned for c in monitor.canaries],
        "judge": _judge_identity(monitor, folder, base),
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    return cache_dir() / "monitor" / "base_looks" / f"{digest[:32]}.json"


def _code_hash(package: Path) -> str:
    """sha256 over emwatch's code that samples, scores and labels a look (a changed scoring rule is a new key)."""
    digest = hashlib.sha256()
    for sub in CODE:
        for f in sorted((package / sub).rglob("*.py")):
            digest.update(f"{f.relative_to(package)}\0".encode() + f.read_bytes())
    return digest.hexdigest()


def _judge_identity(monitor, base_folder: str, base_hash: str) -> object:
    """The judge as far as it decides the scores: a spec's model folder by its content (the base model's hash
    reused when the judge is the base model, as in the demo), else the spec, else the judge object's class and
    name."""
    from emwatch.monitor._direction import model_hash

    spec = monitor.cfg.judge
    if spec is not None:
        from emwatch.models import resolve_model

        model = resolve_model(spec.model) if spec.kind in ("transformers", "hf") else spec.model
        same = (Path(model) / "config.json").is_file() and Path(model).resolve() == Path(base_folder).resolve()
        return {"spec": spec.model_dump(mode="json"), "folder": base_hash if same else
                model_hash(model) if (Path(model) / "config.json").is_file() else None}
    if monitor.judge is None:
        return None
    return [type(monitor.judge).__module__, type(monitor.judge).__qualname__, getattr(monitor.judge, "name", None)]


def load(path: Path) -> dict | None:
    """The cached base look at `path`, or None (absent, unreadable, or of another schema)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        counts = data["counts"]
        if data.get("schema") != SCHEMA or not all(isinstance(counts[k], int) for k in ("k", "n", "excluded")):
            return None
        return data
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, counts, signals: dict[str, float], answers: list[str] | None, judge_calls: int) -> None:
    """Write the base look (atomically: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.partial")
    tmp.write_text(json.dumps({"schema": SCHEMA, "counts": {"k": counts.k, "n": counts.n, "excluded": counts.excluded},
                               "signals": signals, "kl_answers": answers, "judge_calls": judge_calls}),
                   encoding="utf-8")
    tmp.replace(path)


def _kl_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".json") + ".kl.pt")


def save_kl(path: Path, kept) -> None:
    """Keep the base model's log-probabilities of KL's texts (`_live.BaseLogprobs`) beside the base look at
    `path` (atomically)."""
    import torch

    out = _kl_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.partial")
    torch.save({"schema": SCHEMA, "texts": list(kept.texts), "dtype": kept.dtype,
                "logprobs": kept.logprobs.detach().to("cpu", dtype=torch.float32).contiguous()}, tmp)
    tmp.replace(out)


def load_kl(path: Path):
    """The base model's log-probabilities of KL's texts kept beside the base look at `path`, or None (absent,
    unreadable, of another schema)."""
    import torch

    from emwatch.monitor._live import BaseLogprobs

    try:
        data = torch.load(_kl_path(path), map_location="cpu", weights_only=True)
        if data.get("schema") != SCHEMA or not isinstance(data["logprobs"], torch.Tensor):
            return None
        return BaseLogprobs(tuple(str(t) for t in data["texts"]), str(data["dtype"]), data["logprobs"])
    except Exception:   # noqa: BLE001 - a damaged or foreign file is recomputed, whatever torch.load raises
        return None
