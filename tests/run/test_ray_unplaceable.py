"""A Ray task that no live node can run comes back as an error naming what it asked and what the nodes offer
(Ray itself keeps such a task pending without a word: a study sat idle for 10 minutes that way)."""

from __future__ import annotations

from emwatch.run._ray import unplaceable

NODES = [{"Alive": True, "Resources": {"CPU": 1.0, "node:10.0.0.1": 1.0, "memory": 1e9, "object_store_memory": 1e8}},
         {"Alive": True, "Resources": {"CPU": 2.0, "fake_gpu": 1.0}},
         {"Alive": False, "Resources": {"CPU": 8.0, "GPU": 4.0}}]


def test_a_task_some_live_node_can_run_is_placeable():
    assert unplaceable({"num_cpus": 1}, NODES) is None
    assert unplaceable({"num_cpus": 2, "resources": {"fake_gpu": 1}}, NODES) is None
    assert unplaceable({"num_cpus": 0, "num_gpus": 0}, NODES) is None


def test_no_single_live_node_offers_it_all():
    # a GPU exists only on a dead node
    why = unplaceable({"num_cpus": 1, "num_gpus": 1}, NODES)
    assert why and "GPU 1" in why and "nodes offer: CPU 1; CPU 2, fake_gpu 1" in why
    # the CPUs and the custom resource are each somewhere, never on one node together
    assert unplaceable({"num_cpus": 2, "resources": {"fake_gpu": 2}}, NODES)
    assert unplaceable({"num_cpus": 3}, NODES)
    assert "no live node" in unplaceable({"num_cpus": 1}, [NODES[2]])
