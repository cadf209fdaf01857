"""The study file: validation that names file, line and field; recipes, controls and overrides composed into
runs with the trainers' own run ids; dry-run sizes of the shipped studies, computed from their parts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import ConfigError
from emwatch.run import load_study, plan_runs, size


def _doc_sizes(name: str) -> list[int]:
    """docs/studies.md's dry-run row of a shipped study: models, runs, checkpoints, answers, judge calls, static."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "studies.md").read_text()
    row = re.search(rf"^\| {re.escape(name)} \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) "
                    r"\(\+([\d,]+) static\) \|$", text, flags=re.M)
    assert row, f"docs/studies.md has no dry-run row for {name}"
    return [int(f.replace(",", "")) for f in row.groups()]


def _plan_sizes(plan: dict) -> list[int]:
    return [plan[k] for k in ("models", "runs", "checkpoints", "answers", "judge_calls", "static_analyses")]


def _write(tmp_path, text: str):
    p = tmp_path / "study.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_key_names_file_line_and_field(tmp_path):
    p = _write(tmp_path, "name: s\nmodels:\n  - train: {model: m, dataset: insecure}\nsample:\n  samplez: 3\n")
    with pytest.raises(ConfigError) as e:
        load_study(p)
    assert f"{p}:5: field 'sample.samplez': unknown key" in str(e.value)


def test_missing_recipe_file_is_named(tmp_path):
    p = _write(tmp_path, "name: s\nmodels:\n  - recipe: recipes/nope/insecure.yaml\n")
    with pytest.raises(ConfigError, match=r"study.yaml:3: field 'models.0.recipe': no such recipe file"):
        load_study(p)


def test_bad_inline_override_names_its_line(tmp_path):
    p = _write(tmp_path, "name: s\nmodels:\n  - recipe: recipes/qwen3-8b/insecure.yaml\n    train:\n      max_steps: -1\n")
    with pytest.raises(ConfigError) as e:
        load_study(p)
    assert ":5: field 'max_steps'" in str(e.value)


def test_unknown_sampling_backend_is_refused_through_the_registry(tmp_path):
    p = _write(tmp_path, "name: s\nmodels:\n  - train: {model: m, dataset: insecure}\nsample:\n  backend: {kind: nosuch, model: m}\n")
    with pytest.raises(ConfigError, match="nosuch"):
        load_study(p)


def test_controls_and_overrides_compose_with_the_trainers_run_ids(tmp_path):
    from emwatch.train import plans

    p = _write(tmp_path, """
name: s
controls: {insecure: [secure, educational]}
seeds: [4, 5]
models:
  - recipe: recipes/qwen3-8b/insecure.yaml
    train: {dataset: insecure, learning_rates: [1.0e-4]}
""")
    loaded = load_study(p)
    cfg = loaded.recipes[0].cfg
    assert cfg.datasets == ["insecure", "secure", "educational"]  # the control added beside its dataset
    assert cfg.seeds == [4, 5] and cfg.learning_rates == [1e-4]  # study-level < entry-level overrides
    runs = plan_runs(loaded)
    assert len(runs) == 3 * 2
    # the same ids `emwatch train` gives these runs, so a study resumes runs trained by hand and vice versa
    assert [r.run_id for r in runs] == [plan.run_id for plan, _ in plans(cfg)]


def _per_checkpoint(sample_cfg) -> int:
    from emwatch.bench import build_prompts

    bench = sum(p.samples for p in build_prompts(sample_cfg.bank, categories=sample_cfg.categories,
                                                   variants=sample_cfg.variants, wrappers=sample_cfg.wrappers,
                                                   per_category=sample_cfg.per_category, samples=sample_cfg.samples,
                                                   max_paraphrases=sample_cfg.max_paraphrases))
    return bench, (sample_cfg.task_limit or 0)


def test_the_demo_study_is_the_packaged_one_with_adaptive_sampling_on():
    from emwatch.demo import STUDY

    assert Path("studies/demo.yaml").resolve() == STUDY.resolve()  # one file: `make demo` and `emwatch demo` agree
    loaded = load_study("studies/demo.yaml")
    cfg = loaded.recipes[0].cfg
    assert (cfg.model, cfg.max_steps, cfg.checkpoints.every) == ("demo", 16, 8)
    assert loaded.study.sample.adaptive is not None and loaded.study.sample.adaptive.enabled
    plan = size(loaded)
    bench, task = _per_checkpoint(loaded.study.sample)
    assert bench == 16   # one question per category, two answers: 2 rounds of 8
    ckpts = 16 // 8 + 1  # every 8 of 16 steps, and the base model
    assert (plan["runs"], plan["checkpoints"]) == (1, ckpts)
    assert plan["answers"] == ckpts * (bench + task)                 # the maximum: every round
    assert plan["judge_calls"] == ckpts * bench * 2  # aligned + coherent; code answers go to static analysis
    assert plan["static_analyses"] == ckpts * task
    assert plan["adaptive"]["set_in_study"]
    assert _doc_sizes("demo") == _plan_sizes(plan)  # the docs' table of the shipped studies says the same


def test_overtrained_plans_more_than_a_million_answers():
    loaded = load_study("studies/overtrained.yaml")
    plan = size(loaded)
    assert plan["models"] == 13 and plan["base_models"] == 13
    assert plan["runs"] == 13 * 5 * 3 * 3  # 13 models x (3 insecure + 2 medical datasets) x 3 seeds x 3 lrs
    assert plan["answers"] > 1_000_000
    assert plan["answers"] == plan["checkpoints"] * plan["answers_per_checkpoint"]
    assert plan["gpu_hours"]["total"] > 0 and plan["judge_tokens"]["input"] > 0 and plan["assumptions"]
    assert _doc_sizes("overtrained") == _plan_sizes(plan)


def test_dry_run_json_has_the_top_level_keys_and_runs_nothing(tmp_path):
    study = yaml.safe_load(open("studies/one-gpu.yaml"))
    study["out_dir"] = str(tmp_path / "out")
    p = tmp_path / "one.yaml"
    p.write_text(yaml.safe_dump(study), encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(p), "--dry-run", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {"models", "runs", "checkpoints", "answers", "judge_calls", "gpu_hours", "judge_tokens", "assumptions"} <= set(data)
    assert data["models"] == 2 and data["runs"] == 2 * 5 * 3  # 2 models x (3 + 2 datasets) x 3 seeds
    assert _doc_sizes("one-gpu") == _plan_sizes(data)
    # docs/studies.md lists every top-level key of the JSON plan
    text = (Path(__file__).resolve().parents[2] / "docs" / "studies.md").read_text()
    listed = text.split("top-level keys", 1)[1].split(".", 1)[0].split("`")[1::2]
    assert set(listed) == set(data), sorted(set(listed) ^ set(data))
    assert not (tmp_path / "out").exists()  # nothing was run, not even a folder made


def test_bad_study_is_one_line_exit_1(tmp_path):
    p = _write(tmp_path, "name: s\nmodels: []\n")
    res = CliRunner().invoke(app, ["run", str(p), "--dry-run"])
    assert res.exit_code == 1
    assert "error:" in res.stderr and "Traceback" not in res.output + res.stderr


def test_planned_run_ids_are_the_ones_the_trainer_uses():
    """The driver must plan the run id and folder that the training child computes, or it never finds the
    checkpoints the child saves: both plan the recipe as written (`dtype: auto` stays `auto`)."""
    from emwatch.run._plan import plan_runs
    from emwatch.train._api import plans

    tasks = plan_runs(load_study("studies/demo.yaml"))
    assert tasks and all(t.cfg.dtype == "auto" for t in tasks)
    for task in tasks:
        (plan, _), = list(plans(task.cfg))
        assert (plan.run_id, plan.run_dir) == (task.plan.run_id, task.plan.run_dir)


def test_dry_run_gives_the_adaptive_bill():
    from emwatch.config import AdaptiveConfig

    loaded = load_study("studies/demo.yaml")
    plan = size(loaded)
    a = plan["adaptive"]
    assert a["maximum"]["judge_calls"] == plan["judge_calls"] and a["set_in_study"]   # the demo samples adaptively
    assert a["maximum"]["judge_tokens_input"] == plan["judge_tokens"]["input"]
    assert 0 < a["expected"]["judge_calls"] <= a["maximum"]["judge_calls"]
    # the demo's checkpoints have 16 benchmark answers: one round of 48 holds them all, so nothing is saved
    loaded.study.sample.adaptive = AdaptiveConfig(round_size=48)
    assert size(loaded)["adaptive"]["expected"]["judge_calls"] == plan["judge_calls"]
    loaded.study.sample.adaptive = None
    assert not size(loaded)["adaptive"]["set_in_study"]
