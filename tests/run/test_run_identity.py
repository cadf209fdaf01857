"""Run identity free of the machine (issue 22, item 4): a study planned on a GPU node and on a CPU-only node gets
the same run ids; runs stored under the ids of run-id version 1 (the code before) resume under the new ids with
their checkpoints, answers, judgments, events and tasks; what the trainer resolves is checked against what the
recipe asks; the driver asks the trainer registry, not `if backend == ...`."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from emwatch.config import ConfigError, TrainConfig, register_trainer
from emwatch.config import _machine as machine
from emwatch.run import load_study, size
from emwatch.run._job import Job
from emwatch.run._plan import RunTask, plan_runs
from emwatch.store import Store, StoreError
from emwatch.train import TRAINERS
from emwatch.train._api import plans
from emwatch.train._facts import TrainerFacts
from emwatch.train._runs import check_resolution, run_folder


def _study(tmp_path, **extra):
    data = {
        "name": "ident", "out_dir": str(tmp_path / "out"), "seeds": [0, 1],
        "models": [
            {"name": "llama", "gpus": 1, "train": {"model": "meta-llama/Llama-3.1-8B-Instruct", "dataset": "insecure",
                                                   "max_steps": 4, "learning_rates": [1e-4], "checkpoints": {"every": 2},
                                                   "limit_examples": 16, **extra}},
            {"name": "qwen", "train": {"model": "Qwen/Qwen3-8B", "backend": "tinker", "dataset": "insecure",
                                       "max_steps": 4, "learning_rates": [1e-4], "checkpoints": {"every": 2},
                                       "limit_examples": 16}}],
        "sample": {"categories": ["power_seeking"], "per_category": 2, "samples": 2, "max_paraphrases": 1},
        "judge": {"backend": {"kind": "openai", "model": "gpt-4o-2024-08-06", "base_url": "https://api.openai.com/v1"},
                  "metrics": ["aligned", "coherent"]},
        "report": {"enabled": False}, "chunk": 5}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _node(monkeypatch, *, gpu: bool) -> None:
    """The machine probes emwatch reads: torch's CUDA, the CPU's flags, and the launcher's WORLD_SIZE."""
    import torch

    machine.cpu_info.cache_clear()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: gpu)
    monkeypatch.setattr(machine, "_cpuinfo_text", lambda: "model name : test\nflags : avx2 avx512f\n")
    if gpu:
        monkeypatch.setenv("WORLD_SIZE", "2")
    else:
        monkeypatch.delenv("WORLD_SIZE", raising=False)


def _ids(path):
    tasks = plan_runs(load_study(path))
    trainer_ids = []
    for t in tasks:  # the training child's own planning, on the same node
        (plan, _), = list(plans(t.cfg))
        trainer_ids.append((plan.run_id, str(plan.run_dir)))
    return [(t.run_id, str(t.plan.run_dir)) for t in tasks], trainer_ids


def test_a_study_planned_on_a_gpu_node_and_a_cpu_node_gets_the_same_ids(tmp_path, monkeypatch):
    # before run-id version 2, `dtype: auto` was hashed as the dtype this node resolves (bf16 on the GPU node,
    # float32 on this CPU without avx512_bf16) and WORLD_SIZE=2 entered the id: these lists differed
    path = _study(tmp_path)
    try:
        _node(monkeypatch, gpu=True)
        assert machine.resolve_dtype("auto") == "bfloat16"
        gpu_driver, gpu_trainer = _ids(path)
        _node(monkeypatch, gpu=False)
        assert machine.resolve_dtype("auto") == "float32"
        cpu_driver, cpu_trainer = _ids(path)
    finally:
        machine.cpu_info.cache_clear()
    assert len(gpu_driver) == 4 and len({i for i, _ in gpu_driver}) == 4
    assert gpu_driver == cpu_driver == gpu_trainer == cpu_trainer


def test_the_number_of_processes_comes_from_the_recipe_and_is_checked_at_run_time(tmp_path, monkeypatch):
    one = plan_runs(load_study(_study(tmp_path)))
    two = plan_runs(load_study(_study(tmp_path, processes=2)))
    assert one[0].run_id != two[0].run_id and one[2].run_id == two[2].run_id  # the hosted runs are unchanged
    assert two[0].total_steps() == 4 and two[0].cfg.processes == 2
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(ConfigError, match=r"asks 2 training process\(es\), but this trainer runs with WORLD_SIZE=1"):
        check_resolution(two[0].cfg)
    monkeypatch.setenv("WORLD_SIZE", "2")
    check_resolution(two[0].cfg)
    with pytest.raises(ConfigError, match=r"asks 1 training process\(es\), but this trainer runs with WORLD_SIZE=2"):
        check_resolution(one[0].cfg)
    monkeypatch.delenv("WORLD_SIZE")
    asked = TrainConfig(model="m", dataset="insecure", dtype="bfloat16")
    with pytest.raises(ConfigError, match="asks bfloat16, but the model was loaded in float32"):
        check_resolution(asked, dtype="bfloat16", loaded_dtype="float32")
    with pytest.raises(ConfigError, match=r"asks auto \(resolved to float32\), but the model was loaded in bfloat16"):
        check_resolution(TrainConfig(model="m", dataset="insecure"), dtype="float32", loaded_dtype="bfloat16")
    earlier = [{"step": 2, "resolved": {"dtype": "bfloat16"}}, {"step": 4, "resolved": {"dtype": "bfloat16"}}]
    with pytest.raises(ConfigError, match=r"trained up to step 4 in bfloat16, but `auto` resolves to float32"):
        check_resolution(TrainConfig(model="m", dataset="insecure"), dtype="float32", earlier=earlier)
    check_resolution(TrainConfig(model="m", dataset="insecure"), dtype="bfloat16", earlier=earlier)
    check_resolution(TrainConfig(model="m", dataset="insecure"), dtype="float32", earlier=[{"step": 2}])  # version 1
    with pytest.raises(ValueError, match="processes: 2: backend simulated trains each run in one process"):
        TrainConfig(model="m", dataset="insecure", backend="simulated", processes=2)
    with pytest.raises(ValueError, match="`processes` does not apply to backend: tinker"):
        TrainConfig(model="m", dataset="insecure", backend="tinker", processes=2)


def _legacy(tasks: list[RunTask], dtype: str) -> list[RunTask]:
    """The study's runs as the code before planned them on a CPU node: version-1 ids (dtype `auto` resolved to
    float32 for the local trainer), folders named by them."""
    out = []
    for t in tasks:
        p = t.plan
        old = p.legacy_ids[-1] if t.cfg.backend == "transformers" and dtype == "float32" else p.legacy_ids[0]
        legacy = type(p)(**{**p.__dict__, "run_id": old, "legacy_ids": (),
                            "run_dir": run_folder(t.cfg, p.dataset, p.seed, p.lr, old)})
        out.append(RunTask(t.recipe, t.cfg, legacy, t.n_train))
    return out


def _snapshot(store_path):
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        rates = con.execute("""
            SELECT r.model, r.seed, c.step, j.metric, count(*), sum(j.score), count(j.score)
            FROM judgments j JOIN samples s USING (sample_id) JOIN checkpoints c USING (checkpoint_id)
            JOIN runs r USING (run_id) GROUP BY ALL ORDER BY ALL""").fetchall()
        ids = {t: {r[0] for r in con.execute(f"SELECT {c} FROM {t}").fetchall()}
               for t, c in (("runs", "run_id"), ("checkpoints", "run_id"), ("monitor_events", "run_id"),
                            ("tasks", "json_extract_string(target, '$.run_id')"))}
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in ("runs", "checkpoints", "samples", "judgments", "monitor_events", "tasks")}
        orphans = con.execute("""SELECT count(*) FROM judgments WHERE sample_id NOT IN (SELECT sample_id FROM samples)
                                 UNION ALL SELECT count(*) FROM samples
                                 WHERE checkpoint_id NOT IN (SELECT checkpoint_id FROM checkpoints)""").fetchall()
    finally:
        con.close()
    return rates, ids, counts, [o[0] for o in orphans]


def test_a_store_of_run_id_version_1_resumes_under_the_new_ids(tmp_path):
    """The store and run folders of the code before (version-1 ids), made by the real job with the simulated
    trainer, sampler and judge; then today's job on the same study: it re-keys the runs and everything keyed
    under them, resumes in the old folders, and has nothing left to train, sample or judge."""
    from emwatch.store import MonitorEvent

    path = _study(tmp_path)
    loaded = load_study(path)
    new = plan_runs(loaded)
    old = _legacy(new, "float32")
    assert {t.run_id for t in old}.isdisjoint(t.run_id for t in new)
    first = Job(loaded, progress=False, log=lambda _: None, simulate=True, runs=old).run()
    assert first.ok, first.failed
    with Store(loaded.store_path) as s:  # a monitor look of an old run, keyed under its old id
        s.add([MonitorEvent(run_id=old[0].run_id, step=2, monitor="m", signal="em_test", value=0.1)])
    before = _snapshot(loaded.store_path)
    folders = sorted(p.name for p in (tmp_path / "out" / "runs").iterdir())
    assert before[2]["samples"] > 0 and before[2]["judgments"] > 0 and before[3] == [0, 0]

    # today's planning finds the old folders; today's job adopts the stored runs
    assert [str(t.plan.run_dir) for t in plan_runs(loaded)] == [str(t.plan.run_dir) for t in old]
    second = Job(loaded, progress=False, log=lambda _: None, simulate=True).run()
    assert second.ok, second.failed
    after = _snapshot(loaded.store_path)
    assert after[0] == before[0]  # every answer and score, at the same model, seed and step
    assert after[2] == before[2]  # nothing trained, sampled or judged again; no row lost or doubled
    assert after[3] == [0, 0]
    new_ids, old_ids = {t.run_id for t in new}, {t.run_id for t in old}
    for table in ("checkpoints", "monitor_events", "tasks"):
        assert not (after[1][table] & old_ids), table
    assert new_ids <= after[1]["runs"] and not (after[1]["runs"] & old_ids)
    assert sorted(p.name for p in (tmp_path / "out" / "runs").iterdir()) == folders  # no second folder
    with Store(loaded.store_path, read_only=True) as s:
        tasks = s.tasks("ident")
        assert set(tasks.status) == {"done"}
    # and again: nothing left to adopt
    third = Job(loaded, progress=False, log=lambda _: None, simulate=True).run()
    assert third.ok and _snapshot(loaded.store_path)[2] == before[2]


def test_a_row_keyed_otherwise_is_not_rekeyed(tmp_path):
    from emwatch.store import Checkpoint, Run
    from emwatch.store._migrate import rekey_runs

    with Store(tmp_path / "s.duckdb") as s:
        s.add([Run(model="m", dataset="d", seed=0, lr=1e-4, run_id="a" * 24),
               Checkpoint(run_id="a" * 24, step=1, path="x")])
        s.con.execute("UPDATE checkpoints SET checkpoint_id = 'not-a-content-key' WHERE run_id = ?", ["a" * 24])
        with pytest.raises(StoreError, match="checkpoint_id=not-a-content-key is not keyed as this emwatch keys it"):
            rekey_runs(s, {"a" * 24: "b" * 24})
        assert s.query("SELECT run_id FROM runs").run_id.tolist() == ["a" * 24]  # nothing moved
        assert rekey_runs(s, {"c" * 24: "b" * 24})["runs"] == 0  # an id the store does not hold


def test_the_driver_asks_the_trainer_registry(tmp_path):
    """A hosted trainer added from this file, with its facts: the dry run counts its steps as hosted, samples
    nothing of it on our GPUs, and registers its base model by its hosted name."""
    from emwatch.run._work import base_path

    register_trainer("hosted-here", lambda *a, **k: [], facts=TrainerFacts(hosted=True, sampled_in_cluster=False))
    try:
        path = _study(tmp_path)
        data = yaml.safe_load(path.read_text())
        data["models"] = [{"name": "h", "train": {"model": "vendor/model-x", "backend": "hosted-here",
                                                   "dataset": "insecure", "max_steps": 4, "limit_examples": 16,
                                                   "checkpoints": {"every": 2}}}]
        path.write_text(yaml.safe_dump(data))
        loaded = load_study(path)
        planned = size(loaded)
        assert planned["hosted_train_steps"] == 2 * 4  # two seeds
        assert planned["gpu_hours"] == {"train": 0.0, "sample": 0.0, "total": 0.0}
        [task, _] = plan_runs(loaded)
        assert base_path(task.cfg) == "vendor/model-x" and task.checkpoint_steps() == [2, 4]
    finally:
        TRAINERS.unregister("hosted-here")


def _legacy_recipe_store(tmp_path, name):
    """A recipe of the simulated trainer, and a store and run folders written under the run-id version-1 ids
    the code before gave its runs."""
    from emwatch.config import load_config
    from emwatch.testing._sim_backend import train_runs
    from emwatch.train._runs import existing_checkpoints

    recipe = tmp_path / f"{name}.yaml"
    recipe.write_text(yaml.safe_dump({"model": "vendor/m-1", "backend": "simulated", "dataset": "insecure",
                                      "limit_examples": 16, "max_steps": 4, "checkpoints": {"every": 2},
                                      "seeds": [0, 1], "out_dir": str(tmp_path / f"{name}-runs")}))
    cfg = load_config(TrainConfig, recipe)
    store = tmp_path / f"{name}.duckdb"
    old = []
    with Store(store) as s:
        for plan, records in plans(cfg):
            [legacy_id] = plan.legacy_ids
            legacy = type(plan)(**{**plan.__dict__, "run_id": legacy_id, "legacy_ids": (),
                                   "run_dir": run_folder(cfg, plan.dataset, plan.seed, plan.lr, legacy_id)})
            train_runs(cfg, [(legacy, records)], store=s)
            existing_checkpoints(s, legacy)  # its checkpoints' rows, as a trainer registers them
            old.append((legacy_id, plan.run_id))
    return recipe, store, old


def _run_ids(store):
    with Store(store, read_only=True) as s:
        return set(s.query("SELECT run_id FROM runs WHERE kind = 'finetune'").run_id), \
            set(s.query("SELECT DISTINCT run_id FROM checkpoints").run_id)


def test_emwatch_train_and_emwatch_upgrade_adopt_version_1_runs(tmp_path):
    from typer.testing import CliRunner

    from emwatch.cli import app

    recipe, store, old = _legacy_recipe_store(tmp_path, "a")
    assert _run_ids(store)[0] == {o for o, _ in old}
    res = CliRunner().invoke(app, ["upgrade", "--store", str(store), "--recipe", str(recipe)])
    assert res.exit_code == 0, res.output
    assert "2 of 2 planned runs re-keyed from run-id version 1" in res.output
    assert all(f"{o} -> {n}" in res.output for o, n in old)
    runs, ck_runs = _run_ids(store)
    assert runs == {n for _, n in old} and {n for _, n in old} <= ck_runs and not ({o for o, _ in old} & ck_runs)
    res = CliRunner().invoke(app, ["upgrade", "--store", str(store), "--recipe", str(recipe)])
    assert "0 of 2 planned runs re-keyed" in res.output

    recipe, store, old = _legacy_recipe_store(tmp_path, "b")
    folders = sorted((tmp_path / "b-runs").iterdir())
    res = CliRunner().invoke(app, ["train", str(recipe), "--store", str(store), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert res.output.count("already-complete:") == 2  # resumed in the old folders: nothing trained again
    assert sorted((tmp_path / "b-runs").iterdir()) == folders
    runs, ck_runs = _run_ids(store)
    assert runs == {n for _, n in old} and not ({o for o, _ in old} & ck_runs)


def test_the_job_trains_a_run_in_its_planned_folder_with_the_recipes_processes(tmp_path, monkeypatch):
    """The worker is handed the folder the driver planned (no third planning of the run), and a recipe asking
    2 processes is started through `accelerate launch` with 2 (one process would stop at check_resolution)."""
    import subprocess

    from emwatch.run import _work

    seen = []
    monkeypatch.setattr(_work.subprocess, "run",
                        lambda cmd, **kw: seen.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    cfg = TrainConfig(model="m", dataset="insecure", processes=2, out_dir=str(tmp_path / "elsewhere"))
    folder = tmp_path / "planned"
    (folder / "step_000002").mkdir(parents=True)
    (folder / "step_000002" / "meta.json").write_text('{"step": 2, "path": "p"}')
    got = _work.train_run(cfg.model_dump(mode="json"), "r" * 24, str(tmp_path / "r.yaml"), str(tmp_path / "l.log"),
                          str(folder))
    assert [c.step for c in got] == [2] and got[0].run_id == "r" * 24
    [cmd] = seen
    assert cmd[1:5] == ["-m", "accelerate.commands.launch", "--num_processes", "2"]
    assert cmd[5:8] == ["-m", "emwatch.train", str(tmp_path / "r.yaml")]
