"""The Ray executor on a multi-node local cluster (`ray.cluster_utils.Cluster`): a head node with CPUs only and
a worker node whose custom resource `fake_gpu` stands in for a GPU. The tiny study runs end to end; training and
sampling (which ask for a GPU) land on the GPU node; a worker killed mid-training makes the task rerun (resuming
from its last checkpoint) and the store ends complete. The driver is the only writer of the store."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="the ray executor needs `pip install 'emwatch[ray]'`")
from ray.cluster_utils import Cluster  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from tiny_study import write_study  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # workers import this worktree's emwatch (and the training child, through PYTHONPATH)
    path = os.pathsep.join(p for p in [os.path.abspath("src"), os.environ.get("PYTHONPATH", "")] if p)
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    gpu_node = c.add_node(num_cpus=2, resources={"fake_gpu": 1})
    c.wait_for_nodes()
    ray.init(address=c.address, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield c, gpu_node
    ray.shutdown()
    c.shutdown()


def _kill_worker_mid_training(out_dir: Path, killed: list) -> None:
    """Once the run has saved its first checkpoint, SIGKILL the Ray worker that runs its training (the
    trainer child dies with it)."""
    deadline = time.time() + 300
    while time.time() < deadline and not list(out_dir.glob("runs/*/step_000002/meta.json")):
        time.sleep(0.05)
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "emwatch.train" in cmd and str(out_dir) in cmd:
                # freeze the trainer first: a tiny run can otherwise finish its last steps and hand its result
                # back between finding it and killing its worker, and the kill would land on an idle worker
                os.kill(int(pid), signal.SIGSTOP)
                ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                os.kill(ppid, signal.SIGKILL)
                os.kill(int(pid), signal.SIGKILL)
                killed.append(ppid)
                return
        except (OSError, ValueError):
            continue


def test_study_on_a_two_node_cluster_with_a_worker_killed(cluster, tmp_path, tiny_qwen2):
    from emwatch.run import load_study, run_study
    from emwatch.run._ray import RayExecutor
    from emwatch.store import Store

    _, gpu_node = cluster
    study = write_study(tiny_qwen2, tmp_path, name="tiny-ray", gpus=1, serve_gpus=1, gpu_resource="fake_gpu")
    killed: list[int] = []
    killer = threading.Thread(target=_kill_worker_mid_training, args=(tmp_path / "out", killed), daemon=True)
    killer.start()
    t0 = time.time()
    res = run_study(load_study(study), RayExecutor(), progress=False, log=lambda m: None)
    seconds = time.time() - t0
    killer.join(timeout=5)
    assert res.ok, res.failed[0]["error"][-3000:]
    assert killed, "the training worker was not found to kill"

    gpu_id = gpu_node.node_id
    by_kind: dict[str, set] = {}
    for p in res.placements:
        by_kind.setdefault(p["kind"], set()).add(p["node"])
    # tasks that ask for the GPU ran where the GPU is; a training try that died with its worker has node None
    # (when the kill lands after the last checkpoint, the rerun finds the run complete on disk)
    assert by_kind["train"] - {None} <= {gpu_id}, res.placements
    assert by_kind["sample"] == {gpu_id}
    with Store(res.store_path, read_only=True) as store:
        tasks = store.tasks("tiny-ray")
        train = tasks[tasks.kind == "train"].iloc[0]
        assert train.status == "done" and train.attempts == 2  # rerun once after the kill
        assert set(tasks.status) == {"done"}
        assert store.query("SELECT step FROM checkpoints ORDER BY step").step.tolist() == [0, 2, 4]
        n = store.count("samples")
        assert n == 3 * 5  # 3 checkpoints x (3 benchmark questions + 2 coding prompts)
        assert store.count("judgments") == 3 * (3 * 2 + 2)
        assert store.query("SELECT count(DISTINCT (checkpoint_id, question_key, sample_index)) AS d FROM samples").d[0] == n
    print(f"ray study: {seconds:.1f}s")


def test_a_task_no_node_can_run_fails_at_once_with_what_it_asked(cluster):
    from emwatch.run._executors import Resources
    from emwatch.run._ray import RayExecutor

    ex = RayExecutor()
    ex.submit("t1", "sample", print, ("never runs",), Resources(cpus=1, custom={"fake_gpu": 5}))
    done = ex.wait(5)
    assert [f.task_id for f in done] == ["t1"] and "fake_gpu 5" in str(done[0].error)
    ex.submit("t2", "judge", abs, (-3,), Resources(cpus=1))
    assert [(f.task_id, f.result, f.error) for f in ex.wait(60)] == [("t2", 3, None)]
