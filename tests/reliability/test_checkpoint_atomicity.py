"""A checkpoint folder is written under a `.partial` name and renamed when complete; on resume a half-written
folder is never registered, and `.partial` leftovers are deleted. (scripts/kill_points.py kills real runs.)"""

from __future__ import annotations

import json
from pathlib import Path

from emwatch.store import Store, register_run
from emwatch.train._runs import RunPlan, completed_checkpoints, existing_checkpoints, export_step


def _plan(tmp_path: Path, store: Store) -> RunPlan:
    rid = register_run(store, model="m", dataset="insecure", seed=0, lr=1e-5)
    return RunPlan(model="m", model_name="m", dataset="insecure", seed=0, lr=1e-5, run_id=rid,
                   run_dir=tmp_path / "run", data_hash="h", config={}, group="g")


def _weights(tmp_path: Path, step: int) -> dict[str, Path]:
    src = tmp_path / f"trainer-checkpoint-{step}"
    src.mkdir()
    (src / "adapter_model.safetensors").write_bytes(b"w" * (1000 + step))
    (src / "adapter_config.json").write_text("{}")
    return {p.name: p for p in src.iterdir()}


def test_only_complete_checkpoint_folders_are_registered_and_leftovers_cleaned(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        plan = _plan(tmp_path, store)
        for step in (10, 20, 30):
            export_step(plan, step, {"step": step, "path": str(plan.run_dir / f"step_{step:06d}")},
                        _weights(tmp_path, step))
        meta20 = json.loads((plan.run_dir / "step_000020" / "meta.json").read_text())
        assert meta20["files"] == {"adapter_config.json": 2, "adapter_model.safetensors": 1020}
        # a save killed after meta.json was written but before the rename (the glob used to pick it up)
        partial = plan.run_dir / "step_000040.partial"
        partial.mkdir()
        (partial / "meta.json").write_text(json.dumps({"step": 40, "path": str(plan.run_dir / "step_000040")}))
        # a folder whose weights were cut short (a disk filled up, a copy interrupted)
        (plan.run_dir / "step_000030" / "adapter_model.safetensors").write_bytes(b"w" * 10)
        # a folder with no meta.json at all
        (plan.run_dir / "step_000050").mkdir()

        metas = completed_checkpoints(plan.run_dir, clean=True)
        assert [m["step"] for m in metas] == [10, 20]
        assert not partial.exists()
        existing_checkpoints(store, plan)
        steps = sorted(store.checkpoints().query("kind == 'finetune'").step)
        assert steps == [10, 20]


def test_a_resave_replaces_the_folder_whole(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        plan = _plan(tmp_path, store)
        export_step(plan, 10, {"step": 10, "path": "p"}, _weights(tmp_path, 10))
        (tmp_path / "again").mkdir()
        (tmp_path / "again" / "adapter_model.safetensors").write_bytes(b"v" * 7)
        export_step(plan, 10, {"step": 10, "path": "p"}, {"adapter_model.safetensors":
                                                          tmp_path / "again" / "adapter_model.safetensors"})
        folder = plan.run_dir / "step_000010"
        assert sorted(p.name for p in folder.iterdir()) == ["adapter_model.safetensors", "meta.json"]
        assert [m["step"] for m in completed_checkpoints(plan.run_dir)] == [10]
