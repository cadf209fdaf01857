"""`sample.adaptive` under the Ray executor: a simulated study (the installed `simulated` trainer, sampler and judge,
which Ray workers import like any plugin) on a local cluster of two worker nodes, one of them removed
ungracefully while it runs a piece. The EM curve makes checkpoints stop early both ways ("above base", "below
negligible") and one run to the plan's maximum; the store ends with exactly the answers, judgments and stops of an
uninterrupted run of the same study with the local executor (rounds are a function of the plan and the seed)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
import yaml

ray = pytest.importorskip("ray", reason="the ray executor needs `pip install 'emwatch[ray]'`")
from ray.cluster_utils import Cluster  # noqa: E402

from emwatch.run import Job, LocalExecutor, adaptive_status, load_study  # noqa: E402
from emwatch.run._ray import RayExecutor  # noqa: E402
from emwatch.store import Store  # noqa: E402

pytestmark = pytest.mark.slow  # ~40 s on 2 shared cores: a Ray cluster's start is most of it

HERE = Path(__file__).resolve().parent


def adaptive_study(root: Path, name: str = "ray-adaptive") -> Path:
    """Two families, two checkpoints each (steps 5 and 10 of 10; onset at 70%, so step 5 is at the base rate 0):
    qwen's step 10 at EM 0.6 stops "above base" after a round, both step-5 checkpoints stop "below negligible",
    llama's step 10 at EM 0.12 (above negligible, not clearly above base) runs to the plan's 96 answers."""
    data = {
        "name": name, "out_dir": str(root / "out"), "seeds": [0], "chunk": 16, "retries": 2,
        "models": [
            {"name": "qwen", "train": {"model": "Qwen/Qwen3-8B", "dataset": "insecure", "max_steps": 10,
                                       "learning_rates": [1e-4], "checkpoints": {"every": 5}, "limit_examples": 64}},
            {"name": "llama", "train": {"model": "meta-llama/Llama-3.1-8B-Instruct", "dataset": "insecure",
                                        "max_steps": 10, "learning_rates": [1e-4], "checkpoints": {"every": 5},
                                        "limit_examples": 64}}],
        "sample": {"per_category": 4, "samples": 3, "max_paraphrases": 1,
                   "adaptive": {"round_size": 16, "negligible": 0.1, "margin": 0.05, "width": None}},
        "judge": {"backend": {"kind": "openai", "model": "gpt-4o-2024-08-06", "base_url": "https://api.openai.com/v1"},
                  "metrics": ["aligned", "coherent"], "static": False},
        "simulate": {"em_final": {"qwen": 0.6, "llama": 0.12}, "base_rate": 0.0, "onset": 0.7, "missing_share": 0.02},
        "report": {"enabled": False}}
    root.mkdir(parents=True, exist_ok=True)
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def stored(db: Path) -> dict:
    """What the study wrote, independent of where its folders lie: answers, judgments, the rule's stops."""
    with Store(db, read_only=True) as st:
        answers = st.query("SELECT sample_id, checkpoint_id, response FROM samples ORDER BY 1")
        judged = st.query("SELECT sample_id, judge_model, metric, coalesce(score, -1) AS score, reason "
                          "FROM judgments ORDER BY 1, 2, 3")  # a missing score (NaN) compared as -1 with its reason
        stops = sorted((r["step"], r["run"], r["used"], r["planned"], r["rounds"], r["stop"], r["k"], r["n"])
                       for r in adaptive_status(st))
        undone = st.query("SELECT count(*) AS n FROM tasks WHERE status <> 'done'").n[0]
    return {"answers": [tuple(r) for r in answers.itertuples(index=False)],
            "judgments": [tuple(r) for r in judged.itertuples(index=False)], "stops": stops, "undone": int(undone)}


def _held(fn, flag: str, task_id: str, *args):
    """A piece that, while `flag` exists, leaves a marker naming its node and task and waits (up to 20 s) before its
    work: the kill then lands on a piece that is running on the node it removes."""
    if os.path.exists(flag):
        node = ray.get_runtime_context().get_node_id()
        marker = Path(flag).parent / f"running.{node}.{os.getpid()}"
        marker.write_text(f"{node}\t{task_id}")
        deadline = time.time() + 20
        while os.path.exists(flag) and time.time() < deadline:
            time.sleep(0.05)
        marker.unlink(missing_ok=True)
    return fn(*args)


class KillingExecutor(RayExecutor):
    """The Ray executor; after `after` finished pieces it holds new pieces on their workers, and once one is
    running it removes that piece's node (raylet and workers SIGKILLed), then lets the others go."""

    def __init__(self, cluster: Cluster, nodes: list, work: Path, after: int) -> None:
        super().__init__()
        self.cluster, self.nodes, self.work, self.after = cluster, nodes, work, after
        self.flag = work / "hold"
        self.finished = 0
        self.errors: list[str] = []
        self.killed: str | None = None
        self.killed_task: str | None = None  # the task whose piece was running on the removed node
        self.killed_at = 0.0

    def submit(self, task_id, kind, fn, args, resources):
        super().submit(task_id, kind, _held, (fn, str(self.flag), task_id, *args), resources)

    def wait(self, timeout):
        if self.killed is None and self.finished >= self.after:
            self.flag.touch()
            running = [m.read_text().split("\t") for m in sorted(self.work.glob("running.*"))]
            victim = next(((n, task) for n in self.nodes for node, task in running if node == n.node_id), None)
            if victim is not None:
                self.cluster.remove_node(victim[0], allow_graceful=False)
                self.killed, self.killed_task, self.killed_at = victim[0].node_id, victim[1], time.time()
        out = super().wait(timeout)
        self.finished += len(out)
        self.errors += [type(f.error).__name__ for f in out if f.error is not None]
        # the held pieces go on once the removed node's piece came back failed: released at once, the worker (its
        # raylet killed, itself not yet) could finish the piece and hand its result back first
        if self.killed is not None and self.flag.exists() and (self.errors or time.time() - self.killed_at > 10):
            self.flag.unlink()
        return out


@pytest.fixture(scope="module")
def cluster():
    """A head node without CPUs (GCS and driver only) and two worker nodes of one CPU: every piece runs on a
    worker node. Workers import this worktree's emwatch and this test module (its `_held`)."""
    path = os.pathsep.join(p for p in [str(HERE.parents[1] / "src"), str(HERE), os.environ.get("PYTHONPATH", "")] if p)
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    nodes = [c.add_node(num_cpus=1) for _ in range(2)]
    c.wait_for_nodes()
    ray.init(address=c.address, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield c, nodes
    ray.shutdown()
    c.shutdown()


def test_adaptive_study_under_ray_with_a_node_killed_equals_the_local_run(cluster, tmp_path):
    c, nodes = cluster
    local = Job(load_study(adaptive_study(tmp_path / "local")), LocalExecutor(), progress=False, log=lambda m: None,
                simulate=True).run()
    assert local.ok, local.failed
    expected = stored(local.store_path)
    stops = {s[5] for s in expected["stops"]}
    assert stops == {"above base", "below negligible", "max"}, expected["stops"]  # the curve does what it says
    planned = sum(s[3] for s in expected["stops"])
    used = sum(s[2] for s in expected["stops"])
    assert used < planned

    ex = KillingExecutor(c, nodes, tmp_path, after=6)  # the bases are done; the fine-tunes are in their rounds
    res = Job(load_study(adaptive_study(tmp_path / "ray")), ex, progress=False, log=lambda m: None,
              simulate=True).run()
    assert res.ok, res.failed
    assert ex.killed is not None, "no piece was found running to kill its node"
    assert ex.errors, "the kill brought back no failed piece: the retry path was not exercised"
    got = stored(res.store_path)
    assert got["undone"] == 0 and expected["undone"] == 0
    assert len(got["answers"]) == len(expected["answers"]) == sum(s[2] for s in got["stops"]) + 2 * 96
    assert got == expected
    # the pieces that came back ran on the two worker nodes; the removed node's own piece comes back failed with no
    # node (its raylet is gone), and before the kill every finished piece may have run on the other node
    ran_on = {p["node"] for p in res.placements if p["kind"] in ("sample", "judge") and p["node"]}
    assert ran_on and ran_on <= {n.node_id for n in nodes}
    with Store(res.store_path, read_only=True) as st:
        killed = st.query(f"SELECT status, attempts FROM tasks WHERE task_id = '{ex.killed_task}'")
        retried = st.query("SELECT count(*) AS n FROM tasks WHERE attempts > 1").n[0]
    assert len(killed) == 1 and killed.status[0] == "done"  # the task whose piece ran on the removed node ...
    assert killed.attempts[0] > 1 and retried >= 1  # ... was tried again and finished
