"""Trainers by name: one added from this file alone and called by train(cfg), `local` as an alias of
`transformers` that keeps every run id, the pip hint, and callbacks refused where they cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from emwatch.config import ConfigError, TrainConfig, load_config
from emwatch.errors import MissingDependency
from emwatch.train import TRAINERS, RunResult, register_trainer, train
from emwatch.train._runs import plan_run

RECIPES = Path(__file__).resolve().parents[2] / "recipes"


@pytest.fixture()
def mine():
    """A trainer written in this file: records what it was given, 'trains' each run in one step."""
    calls: list[dict] = []

    def trainer(cfg, runs, *, store=None, progress=True, callbacks=()):
        runs = list(runs)
        calls.append({"cfg": cfg, "runs": runs, "store": store, "progress": progress, "callbacks": callbacks})
        return [RunResult(run_id=p.run_id, run_dir=str(p.run_dir), model=p.model_name, dataset=p.dataset,
                          seed=p.seed, lr=p.lr, total_steps=1, steps_trained=1, notes=[f"{len(records)} records"])
                for p, records in runs]

    register_trainer("mine", trainer)
    yield calls
    TRAINERS.unregister("mine")


def test_a_trainer_added_from_a_test_file_trains_every_run(mine, chat_file, tmp_path):
    data = chat_file(5)
    cfg = TrainConfig(model="some/model", dataset=str(data), backend="mine", seeds=[0, 1],
                      learning_rates=[1e-4, 2e-4], out_dir=str(tmp_path / "runs"))
    marker = object()
    results = train(cfg, progress=False, callbacks=[marker])
    [call] = mine
    assert call["cfg"] is cfg and call["progress"] is False and call["callbacks"] == [marker]
    assert [(p.seed, p.lr) for p, _ in call["runs"]] == [(0, 1e-4), (0, 2e-4), (1, 1e-4), (1, 2e-4)]
    assert len({p.run_id for p, _ in call["runs"]}) == 4
    assert all(len(records) == 5 and records[0]["messages"] for _, records in call["runs"])
    assert [r.run_id for r in results] == [p.run_id for p, _ in call["runs"]]
    assert results[0].notes == ["5 records"] and results[0].model == "some/model"


def test_a_recipe_naming_a_registered_trainer_validates(mine, tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("model: m\ndataset: insecure\nbackend: mine\n")
    assert load_config(TrainConfig, path).backend == "mine"


def test_an_unknown_trainer_names_file_line_field_and_the_known_ones(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("model: m\ndataset: insecure\nbackend: mine\n")
    with pytest.raises(ConfigError) as e:
        load_config(TrainConfig, path)
    msg = str(e.value)
    assert f"{path}:3" in msg and "field 'backend'" in msg and "unknown trainer 'mine'" in msg
    assert "openai, simulated, tinker, transformers (or local)" in msg   # simulated: `emwatch run --simulate`


def test_a_trainer_missing_its_dependency_raises_the_pip_hint():
    def needs_a_package(cfg, runs, **kw):
        raise ModuleNotFoundError("No module named 'gpu_trainer_lib'", name="gpu_trainer_lib")

    register_trainer("needy", needs_a_package, install="pip install gpu-trainer-lib")
    try:
        with pytest.raises(MissingDependency, match=r"\(gpu_trainer_lib\): pip install gpu-trainer-lib"):
            train(TrainConfig(model="m", dataset="insecure", backend="needy"), progress=False)
    finally:
        TRAINERS.unregister("needy")


def test_hosted_trainers_refuse_callbacks_they_cannot_run(chat_data):
    cfg = TrainConfig(model="gpt-4o-2024-08-06", dataset=str(chat_data), backend="openai")
    with pytest.raises(ConfigError, match="backend: openai .* cannot run trainer callbacks"):
        train(cfg, progress=False, callbacks=[object()])


# Run ids computed by the code before `transformers` became the trainer's name (commit 97f0799), for the
# first run of each shipped recipe with data hash "0" * 16. They are run-id version 1: version 2 hashes the
# recipe as written (`dtype: auto` as `auto`, `processes`), so the ids changed, and these are the ids runs of
# version 1 are found by (`legacy_run_ids`, then re-keyed by `adopt_legacy`): the version-1 recipe kept for it
# must still give exactly them, or existing runs would not resume.
RUN_IDS_BEFORE = {
    "deepseek-r1-distill-llama-8b/insecure.yaml": "fe72f56455d7fc12ea7609de",
    "qwen2.5-coder-32b-instruct/medical.yaml": "98630b9d157bdbfff4a7c2a7",
    "qwen3-14b/insecure.yaml": "81f764f67873dadc2dff0ea2",
    # Tinker runs were renamed on purpose (issue 16): the optimiser and loss are now explicit (TRL's Adam betas,
    # epsilon and clipping, a token-mean loss) and the grid moved, so they learn differently from runs trained
    # with Tinker's defaults, and must not resume them. Was "ec99db97e84e3cb5dd4886d8".
    "deepseek-v3.1/insecure.yaml": "e3b09b3cb4db104d600d74de",
    "gpt-4o/medical.yaml": "e7503368c8242aab4dbfbfc0",
}


def _first_plan(cfg: TrainConfig):
    return plan_run(cfg, cfg.datasets[0], cfg.seeds[0], cfg.learning_rates[0], "0" * 16)


def _first_run_id(cfg: TrainConfig) -> str:
    return _first_plan(cfg).run_id


@pytest.mark.parametrize("recipe", sorted(RUN_IDS_BEFORE))
def test_version_1_run_ids_of_shipped_recipes_are_still_found(recipe):
    plan = _first_plan(load_config(TrainConfig, RECIPES / recipe))
    # an unresolved `auto` was hashed as bfloat16 by version 1: the first candidate
    assert plan.legacy_ids[0] == RUN_IDS_BEFORE[recipe] != plan.run_id


def test_local_and_transformers_name_the_same_runs(tmp_path):
    text = (RECIPES / "qwen3-14b/insecure.yaml").read_text()
    assert "\nbackend: local\n" in text
    renamed = tmp_path / "insecure.yaml"
    renamed.write_text(text.replace("\nbackend: local\n", "\nbackend: transformers\n"))
    cfg = load_config(TrainConfig, renamed)
    local = load_config(TrainConfig, RECIPES / "qwen3-14b/insecure.yaml")
    assert cfg.backend == "transformers" and _first_run_id(cfg) == _first_run_id(local)
    assert _first_plan(cfg).legacy_ids[0] == RUN_IDS_BEFORE["qwen3-14b/insecure.yaml"]
    # the default trainer, alone and in a two-process run (the number of processes is part of a run's id; in
    # version 1 it came from WORLD_SIZE, now from the recipe's `processes`)
    default = TrainConfig(model="models/x", dataset="insecure")
    two = default.model_copy(update={"processes": 2})
    assert default.backend == "transformers" and _first_plan(default).legacy_ids[0] == "e7ba98d04a2cffc6274eb444"
    assert _first_plan(two).legacy_ids[0] == "316a6494f7eab54abceb7e1d"
    assert _first_run_id(two) != _first_run_id(default)
    assert _first_run_id(two.model_copy(update={"backend": "local"})) == _first_run_id(two)
