"""Validate a saved persona direction again, on the current personas file, without rebuilding it.

    PYTHONPATH=src nice -n 19 .venv/bin/python benchmarks/persona_validate.py DIRECTION_FOLDER [--extra-heldout 4]

A direction depends only on its build half (the build questions' persona answers and the layer rule read on
them); the held-out half and the labelled pairs only validate it. So when the personas file gains labelled pairs
and the settings gain held-out questions, the build half is unchanged and a saved direction of the same model,
settings and build data can be validated again instead of rebuilt (on the 2-core CPU a full build at 8 held-out
questions a category, 224 persona answers, would take about an hour of CPU). This script:

(b) teacher-forces every labelled pair of the current personas file, whole, under its plain question, and gives
    the AUROC with its 95% interval: all pairs, and the first `--old-pairs` pairs alone (the ones the saved
    direction was validated on: they must reproduce its stored figure) and the rest alone;
(a) with `--extra-heldout K`: the base model answers the next K held-out questions of each category (after the
    ones the direction was validated on) under the personas, after the held-out openings, as the build does
    (same temperature, seed, length, batch size); their answers and the saved held-out answers, re-read, give
    the AUROC over all of them (the saved ones alone must reproduce the stored figure).

It refuses a direction whose model hash is not the demo model's, or whose build settings differ from the
defaults but for the held-out count. Prints one JSON object; docs/monitor.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_monitor import cpu  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("direction", help="a saved direction folder (direction.json, direction.npy)")
    ap.add_argument("--old-pairs", type=int, default=32, help="labelled pairs the saved direction was validated on")
    ap.add_argument("--extra-heldout", type=int, default=0, help="more held-out questions a category for (a)")
    args = ap.parse_args()

    import numpy as np

    from emwatch.backends import GenerationRequest
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec
    from emwatch.models import demo_model_dir
    from emwatch.monitor import _live
    from emwatch.monitor._activations import _answer_means, answer_activations
    from emwatch.monitor._auroc import figures
    from emwatch.monitor._direction import (Direction, DirectionSettings, _jobs, _labelled_prompts, _plain,
                                            load_personas, model_hash, question_halves)

    t0, c0 = time.perf_counter(), time.process_time()
    d = Direction.load(args.direction)
    model_path = demo_model_dir()
    if d.model_hash != model_hash(model_path):
        raise SystemExit(f"{args.direction}: a direction of {d.model}, not of the demo model {model_path}")
    settings = DirectionSettings(**{**d.settings, "layers": tuple(d.settings["layers"])})
    want = asdict(replace(DirectionSettings(), heldout_per_category=settings.heldout_per_category))
    if asdict(settings) != want:
        raise SystemExit(f"{args.direction}: settings {asdict(settings)} are not the defaults but for the held-out "
                         f"count; rebuild instead")
    data = load_personas(bank=settings.bank)
    for a in d.answers:  # the build data (openings) the direction was made with are the file's still
        if a["opening"] and a["opening"] not in getattr(getattr(data.openings, a["half"]), a["persona"]):
            raise SystemExit(f"{args.direction}: its opening {a['opening']!r} is not in the personas file any more")
    hf = HFBackend(BackendSpec(kind="hf", model=str(model_path), dtype="auto"))
    model, tok = hf.model, hf.tokenizer
    out: dict = {"cpu": cpu(), "direction": str(args.direction), "direction_sha256": d.sha256, "layer": d.layer,
                 "stored": {k: d.validation.get(k) for k in ("heldout", "labelled")}}

    fixed = [(_plain(q), text) for q, item in _labelled_prompts(data, settings.bank)
             for text in (item.misaligned, item.aligned)]
    with _live.looking(model, tok):
        s = d.score(answer_activations(model, tok, fixed, [d.layer], batch_size=settings.batch_size)[:, 0, :])
    mis, ali = s[0::2], s[1::2]
    old = args.old_pairs
    out["labelled"] = {"all": figures(mis, ali), "old": figures(mis[:old], ali[:old]),
                       "new": figures(mis[old:], ali[old:])}
    print(json.dumps({"labelled": out["labelled"]}), flush=True)

    if args.extra_heldout:
        held_all = question_halves(settings.bank)[1]
        n_old = settings.heldout_per_category
        counts: dict = {}
        extra = []
        for p in held_all:
            counts[p.category] = counts.get(p.category, 0) + 1
            if n_old < counts[p.category] <= n_old + args.extra_heldout:
                extra.append(p)
        jobs = _jobs(data, settings, [], extra, "personas.yaml")
        reqs = [GenerationRequest(messages=j.messages, max_new_tokens=settings.max_new_tokens,
                                  temperature=settings.temperature, seed=settings.seed) for j in jobs]
        saved = [a for a in d.answers if a["half"] == "heldout"]
        by_id = {p.question_id: p for p in held_all}
        with _live.looking(model, tok):
            written = _live.generate(model, tok, reqs, batch_size=settings.batch_size)
            keep = [i for i, a in enumerate(written) if a.strip()]
            new_pairs = [(_plain(jobs[i].question), jobs[i].opening + written[i], jobs[i].opening) for i in keep]
            old_pairs = [(_plain(by_id[a["question_id"]]), a["text"], a["opening"]) for a in saved]
            acts = _answer_means(model, tok, old_pairs + new_pairs, [d.layer], batch_size=settings.batch_size)[0]
        sc = d.score(acts[:, 0, :])
        label = np.array([a["persona"] == "misaligned" for a in saved] + [jobs[i].misaligned for i in keep])
        is_old = np.arange(len(sc)) < len(old_pairs)
        out["heldout"] = {"all": figures(sc[label], sc[~label]),
                          "old": figures(sc[is_old & label], sc[is_old & ~label]),
                          "new": figures(sc[~is_old & label], sc[~is_old & ~label]),
                          "extra_questions_per_category": args.extra_heldout,
                          "empty_answers_dropped": len(written) - len(keep),
                          "new_answers": [{"question_id": jobs[i].question.question_id,
                                           "persona": "misaligned" if jobs[i].misaligned else "aligned",
                                           "text": jobs[i].opening + written[i]} for i in keep]}
    out["wall_s"], out["cpu_s"] = round(time.perf_counter() - t0), round(time.process_time() - c0)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
