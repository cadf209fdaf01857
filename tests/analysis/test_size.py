"""Size and EM: a planted correlation is recovered; leave-one-out exposes a single model driving r."""

import math

import numpy as np
import pytest

from emwatch.analysis import (correlate, dynamics, load_answers, load_model_sizes, milestones, size_em, size_of,
                              size_points)
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study
from emwatch.config import AnalyzeConfig, ConfigError
from emwatch.store import Store

SIZES = {"Llama-3.2-1B-Instruct": 1.24, "Llama-3.1-8B-Instruct": 8.0, "Qwen3-14B": 14.8, "gpt-oss-20b": 20.9,
         "Qwen3-32B": 32.8, "Llama-3.3-70B-Instruct": 70.6, "gpt-oss-120b": 116.8, "Qwen3-235B-A22B": 235.0,
         "DeepSeek-V3.1": 671.0}


def _points(tmp_path, rates: dict[str, float]):
    store = Store(tmp_path / "size.duckdb")
    study = SimStudy(models=[SimModel(m, base_rate=0.0) for m in rates],
                     runs=[SimRun(m, 0, r, 10, total_steps=10, every=10, convergence_step=10, dataset="medical")
                           for m, r in rates.items()], task_prompts=10)
    simulate_study(store, study)
    ms = milestones(dynamics(load_answers(store)))
    store.close()
    return size_points(ms, load_model_sizes())


def test_planted_correlation_is_recovered(tmp_path):
    noise = np.array([0.02, -0.03, 0.01, 0.03, -0.02, 0.0, -0.01, 0.02, -0.02])
    logs = np.log10(list(SIZES.values()))
    planted = 0.03 + 0.08 * logs + noise
    pts = _points(tmp_path, dict(zip(SIZES, planted)))
    assert list(pts.sort_values("params_b")["params_b"]) == sorted(SIZES.values())
    stats = size_em(pts).set_index("scale")
    r_true = np.corrcoef(logs, planted)[0, 1]
    log = stats.loc["log10"]
    assert log["n_models"] == 9
    assert log["r"] == pytest.approx(r_true, abs=0.02)
    assert log["p"] < 0.001 and log["rho"] > 0.8
    assert log["ci_low"] < log["r"] < log["ci_high"] and log["boot_low"] < log["r"] < log["boot_high"]
    assert log["slope"] == pytest.approx(0.08, abs=0.02)


def test_leave_one_out_exposes_a_single_driver(tmp_path):
    rates = {m: 0.05 + d for m, d in zip(list(SIZES)[:-1], [0.01, -0.01, 0.02, 0.0, -0.02, 0.01, 0.0, -0.01])}
    rates["DeepSeek-V3.1"] = 0.5
    stats = size_em(_points(tmp_path, rates)).set_index("scale")
    lin = stats.loc["linear"]
    assert lin["r"] > 0.9
    assert lin["loo_min_without"] == "DeepSeek-V3.1"
    assert abs(lin["r_without_largest"]) < 0.5


def test_correlate_hand_worked():
    out = correlate(np.array([1, 2, 3, 4, 5.0]), np.array([2, 4, 5, 4, 5.0]), list("abcde"))
    assert out["r"] == pytest.approx(6 / math.sqrt(60), abs=1e-4)          # 0.7746
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((-0.3401, 0.9843), abs=2e-4)   # Fisher z, n=5
    assert out["rho"] == pytest.approx(7 / math.sqrt(90), abs=1e-4)        # ranks with ties: 0.7379
    assert correlate(np.array([1.0, 2.0]), np.array([1.0, 2.0]), ["a", "b"]) == {"n_models": 2}


def test_size_table_lookup_and_user_extension(tmp_path, monkeypatch):
    sizes = load_model_sizes()
    assert size_of("meta-llama/Llama-3.1-8B-Instruct", sizes)["params_b"] == 8.0
    assert size_of("LLAMA-3.1-70B", sizes)["params_b"] == 70.6            # an alias
    assert size_of("deepseek-ai/DeepSeek-V3.1", sizes)["active_b"] == 37.0
    assert size_of("gpt-4o", sizes) is None
    assert sizes.drop_duplicates("name")["lineup"].sum() == 12
    user = tmp_path / "sizes.yaml"
    user.write_text("gpt-4o-mini-guess: 8\nQwen3-32B: {params_b: 33.0, family: qwen}\n")
    extended = load_model_sizes(user)
    assert size_of("gpt-4o-mini-guess", extended)["params_b"] == 8.0
    assert size_of("Qwen3-32B", extended)["params_b"] == 33.0
    env = tmp_path / "env.yaml"
    env.write_text("my-model: {params_b: 3}\n")
    monkeypatch.setenv("EMWATCH_MODEL_SIZES", str(env))
    assert size_of("my-model", load_model_sizes())["params_b"] == 3.0
    bad = tmp_path / "bad.yaml"
    bad.write_text("ok-model: 3\nbroken:\n  params_b: -1\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:2: field 'broken.params_b'"):
        load_model_sizes(bad)
    bad.write_text("m: {params_b: 3, parms: 4}\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_model_sizes(bad)


def test_unknown_sizes_are_left_out(tmp_path):
    pts = _points(tmp_path, {"mystery-model": 0.2, "Qwen3-32B": 0.1, "Qwen3-14B": 0.05})
    assert math.isnan(pts.set_index("model").loc["mystery-model", "params_b"])
    stats = size_em(pts, AnalyzeConfig())
    assert (stats["n_models"] == 2).all() and stats["r"].isna().all()
