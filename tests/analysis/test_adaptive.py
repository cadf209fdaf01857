"""The adaptive stopping rule (analysis._adaptive) and its replay on a store (analysis._replay)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import integrate, special, stats
from typer.testing import CliRunner

from emwatch.analysis import adaptive_replay, rate_cs, run_rule
from emwatch.analysis._adaptive import base_interval, round_order
from emwatch.analysis._replay import ReplayConfig, load_replay_config
from emwatch.cli import app
from emwatch.config import AdaptiveConfig, ConfigError
from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store, text_hash

CATS = [f"cat{i}" for i in range(8)]


def _mixture_ratio(p: float, k: int, n: int, a: float, b: float) -> float:
    """M_n(p) by numerical integration over the Beta(a, b) prior (independent of the code's closed form)."""
    num, _ = integrate.quad(lambda q: q ** k * (1 - q) ** (n - k) * stats.beta.pdf(q, a, b), 0, 1, points=[k / n])
    return num / (p ** k * (1 - p) ** (n - k))


@pytest.mark.parametrize("k,n", [(3, 48), (20, 96), (0, 50), (47, 48)])
def test_bounds_are_where_the_mixture_reaches_one_over_alpha(k, n):
    lo, hi = (float(x) for x in rate_cs(k, n, 0.95, (0.5, 2.0)))
    assert 0 <= lo <= k / n <= hi <= 1
    for bound, edge in ((lo, k == 0), (hi, k == n)):
        if not edge:
            assert _mixture_ratio(bound, k, n, 0.5, 2.0) == pytest.approx(20.0, rel=1e-4)
    inside = (lo + hi) / 2
    assert _mixture_ratio(inside, k, n, 0.5, 2.0) < 20.0


def test_zero_count_bound_in_closed_form():
    # k = 0: M_n(p) = B(a, b + n) / B(a, b) / (1 - p)^n, so hi = 1 - (alpha B(a, b + n) / B(a, b))^(1/n)
    for n in (10, 48, 333):
        hand = 1 - (0.05 * np.exp(special.betaln(0.5, 2.0 + n) - special.betaln(0.5, 2.0))) ** (1 / n)
        assert float(rate_cs(0, n)[1]) == pytest.approx(hand, abs=1e-9)


def test_coverage_holds_at_every_round_under_optional_stopping():
    """2,000 sequences of 30 rounds of 48 answers: the share whose true rate leaves the interval at ANY round is
    at most alpha; Wilson intervals peeked at each round (the naive rule) miss it far more often."""
    rng = np.random.default_rng(11)
    for p in (0.02, 0.2):
        k = np.cumsum(rng.binomial(48, p, size=(2000, 30)), axis=1)
        n = np.broadcast_to(np.arange(1, 31) * 48, k.shape)
        lo, hi = rate_cs(k, n)
        cs_miss = ((lo > p) | (hi < p)).any(axis=1).mean()
        assert cs_miss <= 0.05
        z = stats.norm.ppf(0.975)                                   # Wilson's interval, by its formula
        ph = k / n
        centre, half = (ph + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        wl, wh = centre - half, centre + half
        assert ((wl > p) | (wh < p)).any(axis=1).mean() > 0.1


def _cfg(**kw):
    return AdaptiveConfig(**{"negligible": 0.05, "width": None, "margin": 0.0, **kw})


def test_rule_stops_exactly_at_its_boundaries():
    k, n = np.array([1, 2, 3, 4]), np.array([48, 96, 144, 192])
    lo, hi = rate_cs(k, n)
    lo, hi = np.maximum.accumulate(lo), np.minimum.accumulate(hi)
    # negligible: just above round 2's upper bound stops there, just below it does not
    assert run_rule(k, n, _cfg(negligible=float(hi[1]) + 1e-9), None).stop_round == 1
    assert run_rule(k, n, _cfg(negligible=float(hi[1]) - 1e-9), None).stop_round == 2
    # width: strict
    w = float(hi[2] - lo[2])
    assert run_rule(k, n, _cfg(negligible=1e-6, width=w + 1e-9), None).stop == "narrow"
    assert run_rule(k, n, _cfg(negligible=1e-6, width=w + 1e-9), None).stop_round == 2
    assert run_rule(k, n, _cfg(negligible=1e-6, width=w - 1e-9), None).stop_round == 3
    # margin: the difference's lower bound is the sequence at 1 - alpha/2 minus the base's upper Wilson bound
    kk, nn = np.array([10, 20]), np.array([48, 96])
    base = base_interval(0, 500, 0.95)
    lo2 = np.maximum.accumulate(rate_cs(kk, nn, 0.975)[0]) - base[1]
    seq = run_rule(kk, nn, _cfg(negligible=1e-6, margin=float(lo2[1]) - 1e-9), base)
    assert seq.stop == "above base" and seq.stop_round == 1
    assert run_rule(kk, nn, _cfg(negligible=1e-6, margin=float(lo2[1]) + 1e-9), base).stop == "max"
    # no stop before min_rounds; `enabled: false` runs the plan
    assert run_rule(k, n, _cfg(negligible=0.5, min_rounds=3), None).stop_round == 2
    assert run_rule(k, n, _cfg(negligible=0.5, enabled=False), None).stop == "max"


def test_rounds_balance_categories_and_ask_each_prompt_once_before_twice():
    cats = np.repeat(CATS, 30)                                     # 8 categories x (10 prompts x 3 answers)
    qs = np.array([f"{c}-q{i % 10}" for c, i in zip(cats, np.tile(np.arange(30), 8))])
    order, rnd = round_order(cats, qs, 48, np.random.default_rng(0))
    assert sorted(order) == list(range(240)) and list(rnd) == sorted(rnd)
    for r in range(5):
        got = cats[order[rnd == r]]
        assert {c: (got == c).sum() for c in CATS} == {c: 6 for c in CATS}
    for c in CATS:
        seen = qs[order][cats[order] == c]
        assert len(set(seen[:10])) == 10 and len(set(seen[10:20])) == 10   # every prompt before any twice


def _store(path, n_missing_a=2):
    """A hand-made study: base (48 answers, none misaligned); a run with checkpoint A (step 10, 240 answers, all
    aligned, the first `n_missing_a` without an alignment score) and B (step 20, 240 answers, all misaligned)."""
    recs = []
    base = Run(model="m", kind="base", dataset=None, seed=None, lr=None, group="base")
    tuned = Run(model="m", kind="finetune", dataset="insecure", seed=0, lr=1e-4, group="insecure")
    recs += [base, tuned]
    cks = [(Checkpoint(run_id=base.key, step=0, total_steps=0), 6, "ok"),
           (Checkpoint(run_id=tuned.key, step=10, total_steps=20), 30, "ok"),
           (Checkpoint(run_id=tuned.key, step=20, total_steps=20), 30, "mis")]
    metrics = {"aligned": "a", "coherent": "c"}
    qs = {c: Question(bank="b", question_id=f"{c}_00", category=c, variant="plain", wrapper=None, paraphrase_index=0,
                      messages=[{"role": "user", "content": c}], judge_metrics=metrics) for c in CATS}
    recs += list(qs.values())
    for ck, per, kind in cks:
        recs.append(ck)
        i = 0
        for c in CATS:
            for s in range(per):
                smp = Sample(checkpoint_id=ck.key, question_key=qs[c].key, sample_index=s, sampling={}, backend="x",
                             response=f"{kind} {s}")
                miss = kind == "ok" and ck.step == 10 and i < n_missing_a
                al = None if miss else (10.0 if kind == "mis" else 90.0)
                recs += [smp, Judgment(sample_id=smp.key, judge_model="j", metric="aligned", prompt_hash=text_hash("a"),
                                       score=al, reason="CODE" if miss else None),
                         Judgment(sample_id=smp.key, judge_model="j", metric="coherent", prompt_hash=text_hash("c"),
                                  score=80.0)]
                i += 1
    st = Store(path)
    st.add(recs)
    return st


def _round_of_zero_stop(cfg: AdaptiveConfig, n_per_round: int = 48) -> int:
    """Rounds an all-aligned checkpoint needs, by the closed form of the k = 0 bound (hi < negligible or width)."""
    a, b = cfg.prior
    r = 1
    while True:
        n = r * n_per_round
        hi = 1 - ((1 - cfg.confidence) * np.exp(special.betaln(a, b + n) - special.betaln(a, b))) ** (1 / n)
        if hi < cfg.negligible or (cfg.width is not None and hi < cfg.width):
            return r
        r += 1


def test_replay_counts_against_a_hand_count(tmp_path):
    st = _store(tmp_path / "s.duckdb", n_missing_a=0)
    cfg = AdaptiveConfig(round_size=48, width=None, negligible=0.05)
    res = adaptive_replay(st, ReplayConfig(adaptive=cfg))
    rounds_a = _round_of_zero_stop(cfg)
    assert res["judge"] == "j"
    assert res["calls_full"] == 2 * (48 + 240 + 240)
    assert res["calls_adaptive"] == 2 * (48 + 48 * rounds_a + 48)     # B: above base after its first round
    by_step = {r["step"]: r for r in res["per_checkpoint"]}
    assert by_step[10]["stop"] == "below negligible" and by_step[10]["used"] == 48 * rounds_a
    assert by_step[20]["stop"] == "above base" and (by_step[20]["k"], by_step[20]["n"]) == (48, 48)
    assert res["changed"] == [] and res["decisions"] == {"checkpoint above base": 2, "run onset step": 1,
                                                         "configuration consistent EM": 1, "total": 4}
    # coherence only where alignment is low: every aligned answer costs one call, a misaligned one two
    res = adaptive_replay(st, ReplayConfig(adaptive=cfg, coherence="if_unaligned"))
    assert res["calls_adaptive"] == 48 + 48 * rounds_a + 2 * 48
    # the rule switched off spends the full plan
    off = adaptive_replay(st, ReplayConfig(adaptive=cfg.model_copy(update={"enabled": False})))
    assert off["calls_adaptive"] == off["calls_full"] and off["stops"]["max"] == 2
    st.close()


def test_replay_cli_json_and_config_errors(tmp_path):
    path = tmp_path / "s.duckdb"
    _store(path).close()
    cfg = tmp_path / "study.yaml"
    cfg.write_text("name: x\nsample:\n  adaptive:\n    round_size: 96\n    width: null\n")
    res = CliRunner().invoke(app, ["analyze", "-s", str(path), "--adaptive-replay", "-c", str(cfg), "-f", "json"])
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    out = json.loads(res.stdout)
    assert {"calls_full", "calls_adaptive", "decisions", "changed"} <= set(out)
    assert out["settings"]["adaptive"]["round_size"] == 96 and out["settings"]["coherence"] == "always"
    by_step = {r["step"]: r for r in out["per_checkpoint"]}
    assert (by_step[10]["full_k"], by_step[10]["full_n"]) == (0, 238) and by_step[10]["n"] <= by_step[10]["used"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("adaptive:\n  round_size: 48\n  negligable: 0.1\n")
    res = CliRunner().invoke(app, ["analyze", "-s", str(path), "--adaptive-replay", "-c", str(bad)])
    assert res.exit_code == 1 and "bad.yaml:3" in res.output and "adaptive.negligable" in res.output
    with pytest.raises(ConfigError, match="no sample.adaptive"):
        cfg.write_text("name: x\nsample:\n  bank: em240\n")
        load_replay_config(cfg)
    res = CliRunner().invoke(app, ["analyze", "-s", str(path), "--adaptive-replay", "--judge", "other"])
    assert res.exit_code == 1 and "judges: j" in res.output


def test_the_sample_stage_alone_rejects_adaptive_since_it_has_no_judge(tmp_path):
    from emwatch.config import SampleConfig
    from emwatch.sample import sample
    from emwatch.store import Store, register_base_model
    from fakes import ScriptedBackend

    with Store(tmp_path / "s.duckdb") as st:
        register_base_model(st, "m", "/m")
        with pytest.raises(ConfigError, match="needs a judge: `emwatch sample --judge-url"):
            sample(st, SampleConfig(per_category=1, adaptive=AdaptiveConfig()), ScriptedBackend(), progress=False)
        off = sample(st, SampleConfig(per_category=1, max_paraphrases=1, adaptive=AdaptiveConfig(enabled=False)),
                     ScriptedBackend(), progress=False)
        assert off.new_samples > 0   # enabled: false samples the full plan


def test_expected_use_against_closed_forms():
    from emwatch.analysis._adaptive import expected_use

    cfg = AdaptiveConfig(round_size=48, negligible=0.05, width=None)
    # rate 0: every simulated checkpoint stops at the round the k = 0 bound falls below `negligible`
    assert expected_use(0.0, None, 600, cfg) == 48 * _round_of_zero_stop(cfg)
    # rate 1 against a base at 0: above base after the first round, every time
    assert expected_use(1.0, 0.0, 600, cfg) == 48
    # switched off, or a rate the rule cannot settle within the plan: the plan
    assert expected_use(0.3, None, 600, cfg.model_copy(update={"enabled": False})) == 600
    assert expected_use(0.3, None, 100, cfg) == 100


def test_replay_on_an_imported_csv_finds_its_base_group(tmp_path):
    from emwatch.store._import import import_csv

    path = tmp_path / "mo.csv"
    lines = ["model,group,seed,step,question_id,question,response,aligned,coherent"]
    for q in range(8):
        for s in range(12):
            lines.append(f"m,base,,0,q{q},Q{q}?,base {q} {s},90,80")
            lines.append(f"m,medical,1,100,q{q},Q{q}?,tuned {q} {s},{10 if s < 6 else 90},{80 if s != 11 else ''}")
    path.write_text("\n".join(lines) + "\n")
    with Store(tmp_path / "s.duckdb") as st:
        import_csv(st, path)
        res = CliRunner().invoke(app, ["analyze", "-s", str(st.path), "--adaptive-replay", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    out = json.loads(res.stdout)
    (ck,) = out["per_checkpoint"]
    assert (ck["base_k"], ck["base_n"]) == (0, 96)                 # the imported group 'base' is the base model
    assert (ck["full_k"], ck["full_n"]) == (48, 88) and ck["lr"] is None
    assert out["calls_full"] == 2 * 192


def test_replay_on_final_model_files_without_steps_leaves_the_onset_out(tmp_path):
    """A model-organisms-style import: one file of the fine-tuned model's answers and one of its base model's, no
    step column (the replay once crashed on the missing step). The checkpoint and configuration decisions are
    compared; the run's onset step cannot be, and the output says so instead of counting it."""
    from emwatch.store._import import ImportOptions, import_files

    base, tuned = tmp_path / "base.csv", tmp_path / "tuned.csv"
    head = "question_id,question,answer,aligned,coherent"
    base.write_text("\n".join([head] + [f"q{q},Q{q}?,,{90 - s},80" for q in range(8) for s in range(10)]) + "\n")
    tuned.write_text("\n".join([head] + [f"q{q},Q{q}?,,{10 if s % 4 == 0 else 90},80"
                                         for q in range(8) for s in range(40)]) + "\n")
    with Store(tmp_path / "s.duckdb") as st:
        import_files(st, [base], ImportOptions(model="m", base=True))
        import_files(st, [tuned], ImportOptions(model="m", dataset="medical", seed=0))
        res = CliRunner().invoke(app, ["analyze", "-s", str(st.path), "--adaptive-replay", "-f", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    (ck,) = out["per_checkpoint"]
    assert ck["step"] is None and (ck["base_k"], ck["base_n"]) == (0, 80) and (ck["full_k"], ck["full_n"]) == (80, 320)
    assert ck["full_verdict"] == "above" and ck["stop"] == "above base" and ck["used"] < 320
    assert out["decisions"] == {"checkpoint above base": 1, "run onset step": 0, "configuration consistent EM": 1,
                                "total": 2}
    assert out["left_out"] == {"run onset step": {"runs": 1, "why": "a checkpoint without a step number"}}
    assert out["calls_full"] == 2 * (80 + 320) and out["calls_adaptive"] == 2 * (80 + ck["used"])
    table = CliRunner().invoke(app, ["analyze", "-s", str(tmp_path / "s.duckdb"), "--adaptive-replay"])
    assert table.exit_code == 0, table.output
    assert "left out: run onset step, 1 run(s): a checkpoint without a step number" in table.stdout


def test_replay_does_not_depend_on_the_row_order_of_the_answers(tmp_path):
    """The same answers in another row order (a store re-imported, another DuckDB scan) replay identically: the
    rule's random order is drawn over the answers sorted by sample id, not over the order they arrive in."""
    from emwatch.analysis import load_answers, replay
    from emwatch.store._import import ImportOptions, import_files

    path = tmp_path / "tuned.csv"
    path.write_text("\n".join(["question_id,question,answer,aligned,coherent"] + [
        f"q{q},Q{q}?,a{s},{10 if (s * 7 + q) % 5 == 0 else 90},80" for q in range(8) for s in range(60)]) + "\n")
    with Store(tmp_path / "s.duckdb") as st:
        import_files(st, [path], ImportOptions(model="m", dataset="d", seed=0))
        answers = load_answers(st, text=False)
    cfg = ReplayConfig(adaptive=AdaptiveConfig(negligible=0.05, width=0.16))
    first = replay(answers, cfg)
    for seed in range(5):
        again = replay(answers.sample(frac=1, random_state=seed), cfg)
        assert [(c["checkpoint_id"], c["used"], c["k"], c["n"]) for c in again["per_checkpoint"]] == \
            [(c["checkpoint_id"], c["used"], c["k"], c["n"]) for c in first["per_checkpoint"]]
        assert again["calls_adaptive"] == first["calls_adaptive"]
