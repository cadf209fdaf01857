"""The Ray executor: each task of a study is a Ray task with its resource request (GPUs per training run from
the study's model entry, GPUs per sampling server, CPUs for static analysis and judging), placed by Ray on a
node that has them.

Workers never open the store: a task returns its typed records and the driver commits them. Ray's own retries
are off (`max_retries=0`): a task whose worker dies, or that raises, comes back to the driver as an error, and
the driver retries it a bounded number of times (the study's `retries`), then reports it with its cause.

Start a cluster with `ray start --head` on one node and `ray start --address HEAD:6379` on the others (see
docs/cluster.md); `emwatch run STUDY.yaml --executor ray --address auto` then drives it from the head node.
Run folders (checkpoints) must be on a file system every node sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emwatch.errors import MissingDependency
from emwatch.run._executors import Finished, Resources

RAY_INSTALL = "pip install 'emwatch[ray]'"


def _ray():
    try:
        import ray
    except ImportError as e:
        raise MissingDependency(f"the ray executor needs Ray: {RAY_INSTALL}") from e
    return ray


def _call(fn: Callable[..., Any], args: tuple) -> tuple[Any, str]:
    """Run one task's function on a worker; returns its result and the node it ran on."""
    import ray

    return fn(*args), ray.get_runtime_context().get_node_id()


class RayExecutor:
    """Tasks as Ray tasks; `address` is a running cluster's ('auto': the one this node belongs to; None: a
    cluster of this machine alone, started and stopped here)."""

    name = "ray"

    def __init__(self, address: str | None = None, *, runtime_env: dict | None = None,
                 wait_for_nodes: bool = False, **init: Any):
        """`wait_for_nodes`: a task no live node can run waits for one to join (an autoscaling cluster); by
        default it comes back at once as an error naming what it asked and what the nodes offer (Ray itself
        would keep it pending in silence)."""
        ray = _ray()
        self.wait_for_nodes = wait_for_nodes
        self._unplaceable: list[Finished] = []
        self._nodes_cache: list[dict] = []
        self._nodes_at = float("-inf")
        self._owned = False
        if not ray.is_initialized():
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=False, **init)
            self._owned = True
        self._remote = ray.remote(_call)
        self._refs: dict[Any, str] = {}

    def submit(self, task_id: str, kind: str, fn: Callable[..., Any], args: tuple, resources: Resources) -> None:
        opts: dict[str, Any] = {"num_cpus": resources.cpus, "max_retries": 0}
        if resources.gpus:
            opts["num_gpus"] = resources.gpus
        if resources.custom:
            opts["resources"] = dict(resources.custom)
        if not self.wait_for_nodes:
            why = unplaceable(opts, self._nodes())
            if why:
                self._unplaceable.append(Finished(task_id, error=RuntimeError(f"{kind} task: {why}")))
                return
        self._refs[self._remote.options(**opts).remote(fn, args)] = task_id

    def _nodes(self) -> list[dict]:
        """The cluster's nodes, asked of Ray at most every 5 s (a study submits thousands of pieces)."""
        now = time.monotonic()
        if now - self._nodes_at > 5:
            self._nodes_cache, self._nodes_at = _ray().nodes(), now
        return self._nodes_cache

    def wait(self, timeout: float) -> list[Finished]:
        ray = _ray()
        if self._unplaceable:
            out, self._unplaceable = self._unplaceable, []
            return out
        if not self._refs:
            return []
        ready, _ = ray.wait(list(self._refs), num_returns=len(self._refs), timeout=timeout)
        out = []
        for ref in ready:
            task_id = self._refs.pop(ref)
            try:
                result, node = ray.get(ref)
                out.append(Finished(task_id, result, node=node))
            except Exception as e:  # a task that raised, or whose worker died: the driver retries it
                out.append(Finished(task_id, error=_cause(e)))
        return out

    def busy(self) -> int:
        return len(self._refs) + len(self._unplaceable)

    def close(self) -> None:
        if self._owned:
            _ray().shutdown()


def unplaceable(opts: dict[str, Any], nodes: list[dict]) -> str | None:
    """Why no live node of the cluster (`ray.nodes()`) can run a task asking `opts` (Ray's task options), or None
    when one can. Checked against each node's total resources, not what is free now: a busy node frees up."""
    need = {"CPU": opts.get("num_cpus") or 0, "GPU": opts.get("num_gpus") or 0, **opts.get("resources", {})}
    need = {k: v for k, v in need.items() if v}
    alive = [n.get("Resources", {}) for n in nodes if n.get("Alive")]
    if any(all(r.get(k, 0) >= v for k, v in need.items()) for r in alive):
        return None
    offered = "; ".join(", ".join(f"{k} {v:g}" for k, v in sorted(r.items()) if not k.startswith(("node:", "memory",
                                  "object_store"))) for r in alive) or "no live node"
    asks = ", ".join(f"{k} {v:g}" for k, v in need.items())
    return (f"no live node of the Ray cluster offers {asks} (nodes offer: {offered}); add such a node, lower the "
            f"study's gpus / serve_gpus, or pass wait_for_nodes=True for an autoscaling cluster")


def _cause(e: Exception) -> Exception:
    """The task's own exception where Ray wraps one (RayTaskError), else Ray's (a dead worker, a lost node)."""
    inner = getattr(e, "cause", None)
    return inner if isinstance(inner, Exception) else e
