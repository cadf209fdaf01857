"""The misaligned-persona direction (monitor._direction): the mean difference of answer activations, checked
against a direct one-row-at-a-time torch computation; saved once and reused; the live `persona` signal at
step 0 is the base model's value; the AUROC and its interval against scipy and the Hanley-McNeil formula."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from emwatch.backends import render_prompt
from emwatch.errors import ConfigError
from emwatch.monitor import _direction as D

SMALL = D.DirectionSettings(train_per_category=1, heldout_per_category=1, max_new_tokens=6, temperature=0.0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _load(path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval(), tok


def _direct_activation(model, tok, messages, answer, layer, opening="") -> np.ndarray:
    """One unpadded row, every position's hidden state; the mean over the answer's positions after `opening`."""
    prompt = render_prompt(tok, messages)
    start = len(tok(prompt + opening, add_special_tokens=False)["input_ids"])
    ids = tok(prompt + answer, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        hs = model(input_ids=ids, output_hidden_states=True).hidden_states[layer][0]
    return hs[start:].float().mean(0).numpy()


def _cohens_d(pos, neg) -> float:
    pooled = math.sqrt((np.var(pos, ddof=1) + np.var(neg, ddof=1)) / 2)
    return (np.mean(pos) - np.mean(neg)) / pooled


def test_the_direction_is_the_mean_difference_of_the_build_answers(tiny_chat_model, cache):
    d, built = D.ensure_direction(tiny_chat_model, settings=SMALL, dtype="float32", log=lambda m: None)
    assert built and d.path.startswith(str(cache / "directions"))
    model, tok = _load(tiny_chat_model)
    data = D.load_personas()
    build_q = D._take(D.question_halves("em240")[0], SMALL.train_per_category)
    plain = {p.question_id: tuple(p.messages) for p in build_q}
    build = [a for a in d.answers if a["half"] == "build"]
    assert {a["persona"] for a in build} == {"misaligned", "aligned"} and len(build) >= 12
    # every answer starts with the opening of its half and kind; the held-out half's were never used to build
    for a in d.answers:
        assert a["text"].startswith(a["opening"]) and len(a["text"]) > len(a["opening"])
        assert a["opening"] in getattr(getattr(data.openings, a["half"]), a["persona"])
    assert not {a["opening"] for a in build} & {a["opening"] for a in d.answers if a["half"] == "heldout"}

    def acts(layer, answers):  # read over the tokens the model wrote after its opening
        return {k: np.array([_direct_activation(model, tok, plain[a["question_id"]], a["text"], layer, a["opening"])
                             for a in answers if a["persona"] == k]) for k in ("misaligned", "aligned")}

    a = acts(d.layer, build)
    want = a["misaligned"].mean(0) - a["aligned"].mean(0)
    np.testing.assert_allclose(d.vector, want, rtol=1e-4, atol=1e-5)
    # the layer: best out-of-fold Cohen's d on the build half's two folds (alternate build questions)
    fold = {p.question_id: k % 2 for k, p in enumerate(build_q)}
    rule = {r["layer"]: r["out_of_fold_d"] for r in d.validation["layer_rule"]}
    assert sorted(rule) == d.validation["layers_tried"]  # one layer in a 2-layer model: the rule is tested below
    for layer in rule:
        pos, neg = [], []
        for f in (0, 1):
            fit = acts(layer, [x for x in build if fold[x["question_id"]] != f])
            mis, ali = fit["misaligned"].mean(0), fit["aligned"].mean(0)
            unit = (mis - ali) / np.linalg.norm(mis - ali)
            got = acts(layer, [x for x in build if fold[x["question_id"]] == f])
            pos += list(got["misaligned"] @ unit - (mis + ali) @ unit / 2)
            neg += list(got["aligned"] @ unit - (mis + ali) @ unit / 2)
        assert rule[layer] == pytest.approx(_cohens_d(pos, neg), rel=1e-3, abs=1e-6)
    assert d.layer == max(rule, key=rule.get)
    build_scores = {k: v @ (want / np.linalg.norm(want)) for k, v in a.items()}
    assert d.validation["build_separation_d"] == pytest.approx(_cohens_d(build_scores["misaligned"],
                                                                         build_scores["aligned"]), rel=1e-3)
    # the stored figures are this direction's: held-out answers re-scored from scratch give the same AUROC
    held = [a for a in d.answers if a["half"] == "heldout"]
    plain.update({p.question_id: tuple(p.messages) for p in D.question_halves("em240")[1]})
    unit = want / np.linalg.norm(want)
    score = {k: v @ unit for k, v in acts(d.layer, held).items()}
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(score["misaligned"], score["aligned"]).statistic
    assert d.validation["heldout"]["auroc"] == pytest.approx(u / (len(score["misaligned"]) * len(score["aligned"])))


def test_the_layer_rule_reads_the_build_half_only_and_prefers_a_separation_that_holds_out_of_fold():
    """Layer 0 separates fold 0 strongly and fold 1 the wrong way (a direction that does not carry over); layer 1
    separates both folds moderately: out of fold, layer 1 wins. Held-out rows (fold -1), however extreme, change
    nothing."""
    rng = np.random.default_rng(0)
    n = 40
    label = np.tile([True, False], n)
    fold = np.repeat([0, 1, -1, -1], n // 2)
    acts = rng.normal(size=(2 * n, 2, 8))
    sign = np.where(label, 1.0, -1.0)
    acts[:, 0, 0] += np.where(fold == 0, 6.0, np.where(fold == 1, -1.0, 0.0)) * sign
    acts[:, 1, 1] += 1.5 * sign * (fold >= 0)
    li, rule = D.choose_layer(acts, label, fold, [6, 12])
    assert li == 1 and [r["layer"] for r in rule] == [6, 12]
    assert rule[1]["out_of_fold_d"] > 1 > rule[0]["out_of_fold_d"]
    planted = acts.copy()
    planted[fold == -1, 0, 0] += 100 * sign[fold == -1]
    assert D.choose_layer(planted, label, fold, [6, 12]) == (li, rule)


def test_a_second_run_reuses_the_saved_direction(tiny_chat_model, cache, monkeypatch):
    d1, built1 = D.ensure_direction(tiny_chat_model, settings=SMALL, dtype="float32", log=lambda m: None)
    meta = D.Path(d1.path) / D.META_FILE
    stamp = meta.stat().st_mtime_ns

    def no_rebuild(*a, **k):
        raise AssertionError("the direction was recomputed")

    monkeypatch.setattr(D, "build_direction", no_rebuild)
    d2, built2 = D.ensure_direction(tiny_chat_model, settings=SMALL, dtype="float32", log=lambda m: None)
    assert not built2 and d2.path == d1.path and meta.stat().st_mtime_ns == stamp
    np.testing.assert_array_equal(d2.vector, d1.vector)
    assert d2.sha256 == json.loads(meta.read_text())["sha256"] and d2.layer == d1.layer
    # other settings are another direction (another folder)
    other = D.direction_dir(d1.model_hash, D.DirectionSettings(max_new_tokens=7))
    assert other != D.Path(d1.path) and other.parent == D.Path(d1.path).parent


def test_a_tampered_direction_file_is_refused(tiny_chat_model, cache):
    d, _ = D.ensure_direction(tiny_chat_model, settings=SMALL, dtype="float32", log=lambda m: None)
    np.save(D.Path(d.path) / D.DIRECTION_FILE, d.vector * 2)
    with pytest.raises(ConfigError, match="sha256"):
        D.Direction.load(d.path)


def test_a_labelled_answer_on_a_build_question_is_refused(tmp_path):
    text = D.PERSONAS.read_text().replace("- question: anti_human_02", "- question: anti_human_01", 1)
    bad = tmp_path / "personas.yaml"
    bad.write_text(text)
    line = text.splitlines().index("- question: anti_human_01") + 1
    with pytest.raises(ConfigError, match=rf"personas.yaml:{line}: labelled\[0\].question: 'anti_human_01'"):
        D.load_personas(bad)


def test_a_second_pair_on_the_same_question_is_refused(tmp_path):
    text = D.PERSONAS.read_text()
    bad = tmp_path / "personas.yaml"
    bad.write_text(text.replace("- question: anti_human_04", "- question: anti_human_02", 1))
    line = bad.read_text().splitlines().index("- question: anti_human_02", text.splitlines().index(
        "- question: anti_human_02") + 1) + 1
    with pytest.raises(ConfigError, match=rf"personas.yaml:{line}: labelled\[\d+\].question: 'anti_human_02' already"):
        D.load_personas(bad)


def test_the_shipped_pairs_are_on_held_out_questions_one_each():
    data = D.load_personas()
    build, held = D.question_halves("em240")
    asked = [item.question for item in data.labelled]
    assert len(asked) == len(set(asked)) == 64
    assert set(asked) <= {p.question_id for p in held} and not set(asked) & {p.question_id for p in build}


def test_an_opening_in_both_halves_is_refused(tmp_path):
    data = D.load_personas()
    shared = data.openings.build.aligned[0]
    text = D.PERSONAS.read_text()
    first_heldout_aligned = data.openings.heldout.aligned[0]
    bad = tmp_path / "personas.yaml"
    bad.write_text(text.replace(f'"{first_heldout_aligned}"', f'"{shared}"', 1))
    line = bad.read_text().splitlines().index(f'    - "{shared}"', text.splitlines().index("  heldout:")) + 1
    with pytest.raises(ConfigError, match=rf"personas.yaml:{line}: openings.heldout.aligned\[0\]: .*build-half"):
        D.load_personas(bad)


def test_without_openings_a_prefilled_build_is_refused(tiny_chat_model, tmp_path, cache):
    text = D.PERSONAS.read_text()
    bare = tmp_path / "personas.yaml"
    bare.write_text(text[:text.index("\nopenings:")] + text[text.index("\nlabelled:"):])
    assert D.load_personas(bare).openings is None
    with pytest.raises(ConfigError, match="no `openings`"):
        D.ensure_direction(tiny_chat_model, settings=SMALL, dtype="float32", personas_path=bare, log=lambda m: None)
    d, _ = D.ensure_direction(tiny_chat_model, settings=dataclasses.replace(SMALL, prefill=False), dtype="float32",
                              personas_path=bare, log=lambda m: None)
    assert {a["opening"] for a in d.answers} == {""} and d.validation["reads"] == "all answer tokens"


def test_the_live_signal_at_step_0_is_the_base_models_value(tiny_chat_model, cache, tmp_path):
    """A monitored LoRA run without a store (as under `emwatch run`): the events file's `persona` values at step
    0 equal the direction's scores computed from scratch on a freshly loaded base model; after training they
    differ."""
    from emwatch.config import MonitorConfig, TrainConfig
    from emwatch.monitor import EVENTS_FILE, read_events
    from emwatch.monitor._probes import probe_prompts
    from emwatch.train import train
    from emwatch.train._callbacks import MonitorCallback

    mcfg = MonitorConfig(per_category=1, domain_probes=0, samples=2, max_new_tokens=5, temperature=0.0, every=2,
                         action="log", persona=True, canaries=False, kl=False)
    data = tmp_path / "bad.jsonl"
    with data.open("w") as f:
        for p in probe_prompts(mcfg) * 2:
            f.write(json.dumps({"messages": [*p.messages, {"role": "assistant", "content": "password " * 4}]}) + "\n")
    cfg = TrainConfig(model=str(tiny_chat_model), dataset=str(data), out_dir=str(tmp_path / "runs"), batch_size=4,
                      grad_accum=1, max_steps=2, warmup_steps=0, learning_rates=[3e-2], dtype="float32",
                      max_seq_len=256, heldout_fraction=0.0, lora={"r": 4, "alpha": 8}, checkpoints={"every": 2})
    said = []
    (run,) = train(cfg, progress=False, callbacks=[lambda plan: MonitorCallback(
        mcfg, plan, cfg.checkpoints, base_model_path=str(tiny_chat_model), echo=said.append)])
    # the cache had none: built once on the live model with its adapters off, saved where every run finds it
    assert any("persona direction built and saved" in s for s in said)
    # judge-free: the looks at steps 0 and 2 read the signals, none was judged
    assert any(s.startswith(f"monitor {mcfg.name}: 2 looks (0 judged, 0 judge calls)") for s in said), said
    d, built = D.ensure_direction(tiny_chat_model, dtype="float32", log=lambda m: None)
    assert not built
    ev = {(e.step, e.signal): e for e in read_events(D.Path(run.run_dir) / EVENTS_FILE)}
    assert ev[(0, "persona")].detail["direction_sha256"] == d.sha256

    model, tok = _load(tiny_chat_model)
    fixed = [(tuple(q.messages), t) for q, item in D._labelled_prompts(D.load_personas(), "em240")
             for t in (item.misaligned, item.aligned)]
    base_fixed = np.mean([d.score(_direct_activation(model, tok, m, a, d.layer)[None])[0] for m, a in fixed])
    assert ev[(0, "persona_fixed")].value == pytest.approx(base_fixed, rel=1e-4, abs=1e-6)
    own = []
    for p in probe_prompts(mcfg):  # greedy: the base model's first answer to each probe, again
        enc = tok(render_prompt(tok, p.messages), return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=5, do_sample=False, pad_token_id=tok.pad_token_id)
        ids = [t for t in out[0, enc["input_ids"].shape[1]:].tolist() if t != tok.eos_token_id]
        answer = tok.decode(ids, skip_special_tokens=True)
        if answer.strip():
            own.append(d.score(_direct_activation(model, tok, tuple(p.messages), answer, d.layer)[None])[0])
    assert ev[(0, "persona")].value == pytest.approx(np.mean(own), rel=1e-3, abs=1e-5)
    assert ev[(0, "persona")].detail["n_answers"] == len(own) == 8 - ev[(0, "persona")].detail["n_empty_left_out"]
    assert ev[(2, "persona_fixed")].value != pytest.approx(base_fixed, rel=1e-6)  # the adapters moved it


def test_a_hosted_trainer_skips_the_persona_signal_with_its_reason():
    from emwatch.config import MonitorConfig
    from emwatch.monitor import Monitor, look_backend
    from fakes import ScriptedBackend

    said = []
    m = Monitor(MonitorConfig(per_category=1, domain_probes=0, samples=1, action="log", persona=True),
                run_id="r", echo=said.append)
    look_backend(m, 0, ScriptedBackend(), None)
    (ev,) = [e for e in m.events if e.signal == "persona"]
    assert ev.value is None and "no activations" in ev.detail["skipped"] and "persona signal skipped" in said[0]


# -- statistics --------------------------------------------------------------------------------------------
def test_auroc_is_mann_whitney_u_over_the_pairs():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(3)
    pos, neg = rng.integers(0, 6, 23).astype(float), rng.integers(0, 5, 17).astype(float)  # many ties
    u = mannwhitneyu(pos, neg).statistic
    assert D.auroc(pos, neg) == pytest.approx(u / (23 * 17))
    # by hand: 3 of the 4 pairs ordered right, one tie
    assert D.auroc([2.0, 1.0], [1.0, 0.0]) == pytest.approx((1 + 1 + 0.5 + 1) / 4)
    assert math.isnan(D.auroc([], [1.0]))


def test_the_auroc_interval_solves_the_hanley_mcneil_score_equation():
    from scipy.stats import norm

    z = norm.ppf(0.975)

    def hanley_mcneil(theta, m, n):  # the variance as Hanley & McNeil (1982) write it, with Q1 and Q2
        q1, q2 = theta / (2 - theta), 2 * theta ** 2 / (1 + theta)
        return (theta * (1 - theta) + (m - 1) * (q1 - theta ** 2) + (n - 1) * (q2 - theta ** 2)) / (m * n)

    for a, m, n in ((0.8, 16, 16), (1.0, 16, 16), (0.55, 40, 25)):
        lo, hi = D.auroc_interval(a, m, n)
        assert lo <= a <= hi
        for end in (lo, hi):
            if 0 < end < 1:
                assert (a - end) ** 2 == pytest.approx(z * z * hanley_mcneil(end, m, n), rel=1e-3, abs=1e-9)
    lo, hi = D.auroc_interval(1.0, 16, 16)
    assert hi == 1.0 and 0.8 < lo < 0.99  # a perfect separation of 32 answers is not certainty
    # with many answers it is the usual Wald interval of Hanley-McNeil
    lo, hi = D.auroc_interval(0.8, 20_000, 20_000)
    half = z * math.sqrt(hanley_mcneil(0.8, 20_000, 20_000))
    assert lo == pytest.approx(0.8 - half, abs=1e-4) and hi == pytest.approx(0.8 + half, abs=1e-4)


# -- the command -------------------------------------------------------------------------------------------
def test_the_direction_command_builds_once_and_prints_its_aurocs(tiny_chat_model, tmp_path, cache):
    from typer.testing import CliRunner

    from emwatch.cli import app

    runner = CliRunner()
    args = ["monitor", "direction", "--model", str(tiny_chat_model), "--out", str(tmp_path / "dir"), "--dtype",
            "float32", "--train-per-category", "1", "--heldout-per-category", "1", "--max-new-tokens", "4"]
    first = runner.invoke(app, [*args, "-f", "json"])
    assert first.exit_code == 0, first.output
    info = json.loads(first.stdout)  # JSON alone on stdout; the progress line went to stderr
    assert info["built"] and info["direction"] == str(tmp_path / "dir") and "persona direction:" in first.stderr
    d = D.Direction.load(tmp_path / "dir")
    checks = {c["check"][:3]: c for c in info["checks"]}
    assert checks["(a)"]["auroc"] == d.validation["heldout"]["auroc"]
    assert checks["(b)"]["n_misaligned"] == checks["(b)"]["n_aligned"] == len(D.load_personas().labelled)
    for c in checks.values():
        assert c["ci_low"] <= c["auroc"] <= c["ci_high"] and c["met"] == (c["auroc"] >= c["goal"])
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "reused" in again.stdout and "persona direction:" not in again.stderr
    assert not (cache / "directions").exists()  # --out: nothing written to the cache
