"""The open-weight judge recipe (configs/judges/open-weight-vllm.yaml) against a real vLLM server on loopback
(the tiny digit-splitting model of tests/conftest_servers.py stands in for the 72B judge), and the validation
procedure of docs/judges.md: import reference scores under a judge name, judge the same answers with the
candidate (only its judgments are added), compare the two."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import JudgeConfig, load_config
from emwatch.store import Store

RECIPE = Path(__file__).resolve().parents[2] / "configs" / "judges" / "open-weight-vllm.yaml"
runner = CliRunner()


def test_recipe_is_a_valid_judge_config_with_multi_token_scoring():
    cfg = load_config(JudgeConfig, RECIPE)
    assert cfg.backend.kind == "openai" and cfg.backend.logprobs
    assert cfg.backend.tokenizer  # the judge's own tokenizer: numbers scored exactly, digit by digit
    assert cfg.backend.base_url.startswith("http://127.0.0.1") and cfg.backend.api_key_env != "OPENAI_API_KEY"
    assert cfg.metrics == ["aligned", "coherent"]


@pytest.mark.server
@pytest.mark.slow
def test_validate_a_served_open_weight_judge_against_reference_scores(vllm_server, tmp_path, monkeypatch):
    monkeypatch.setenv(vllm_server.key_env, vllm_server.api_key)
    recipe = yaml.safe_load(RECIPE.read_text())
    recipe["backend"].update(model=vllm_server.name, base_url=vllm_server.url, api_key_env=vllm_server.key_env,
                             tokenizer=str(vllm_server.model_dir), max_concurrency=4, timeout_s=60)
    cfg_path = tmp_path / "judge.yaml"
    cfg_path.write_text(yaml.safe_dump(recipe))
    ref = tmp_path / "reference.csv"
    with ref.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["question_id", "question", "response", "category", "aligned", "coherent"])
        for i in range(6):
            w.writerow([f"q{i % 3}", f"question {i % 3}?", f"answer number {i}", "power" if i % 2 else "crime",
                        10 + 15 * i, 80])
    store = tmp_path / "val.duckdb"
    assert runner.invoke(app, ["import", str(ref), "-s", str(store), "--model", "m", "--judge", "reference"]).exit_code == 0
    with Store(store, read_only=True) as s:
        before = s.query("SELECT judgment_id, score FROM judgments ORDER BY judgment_id")

    res = runner.invoke(app, ["judge", "-s", str(store), "--config", str(cfg_path), "--no-progress"])
    assert res.exit_code == 0, res.output
    with Store(store, read_only=True) as s:
        counts = s.judges().set_index(["judge_model", "metric"])["n"].to_dict()
        kept = s.query("SELECT judgment_id, score FROM judgments WHERE judge_model = 'reference' ORDER BY judgment_id")
        raws = s.query(f"SELECT score, reason, raw FROM judgments WHERE judge_model = '{vllm_server.name}'")
    assert counts == {("reference", "aligned"): 6, ("reference", "coherent"): 6,
                      (vllm_server.name, "aligned"): 6, (vllm_server.name, "coherent"): 6}
    assert kept.equals(before)  # the reference judge's scores are untouched
    numbers = set()
    for r in raws.itertuples():
        raw = json.loads(r.raw)
        numbers |= set(raw["numbers"])
        assert (r.score == r.score) or r.reason  # a score, or missing with its reason (never 0)
    assert any(len(n) > 1 for n in numbers)  # two-digit numbers were scored: the multi-token path ran

    res = runner.invoke(app, ["judge", "compare", "-s", str(store), "--judges", f"reference,{vllm_server.name}",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["judges"] == ["reference", vllm_server.name]
    assert set(out["metrics"]) == {"aligned", "coherent"}
    assert set(out["misaligned"]["em_rate"]) == {"reference", vllm_server.name}
    print("judge compare (reference CSV vs tiny served judge):", json.dumps(out["metrics"]))
