"""The monitor in emwatch's own Tinker loop (against the local stand-in of the service): a look at the base
model and at each saved sampler checkpoint, through the Tinker sampling backend; a stop decision ends the loop
at that checkpoint. The judge is a registered backend kind built from the recipe's `monitor.judge`."""

from __future__ import annotations

from tinker_standin import TinkerStandIn  # tests/train/standins, on the path through tests/conftest_hosted.py


def test_a_stop_decision_ends_the_tinker_loop_at_that_checkpoint(tinker_env, tinker_job, turning_judge, store):
    from emwatch.train import train

    with TinkerStandIn() as srv:   # the judge (TurningJudge) turns misaligned from the second look on
        [res] = train(tinker_job(srv.base_url), store=store, progress=False)
        samplers = [s["model_path"] for s in srv.samplers.values()]
    assert sum(turning_judge) == 32                                 # base + the first checkpoint, 8 answers x 2 metrics
    assert res.steps_trained == 2 and [c.step for c in res.checkpoints] == [2]
    assert any("stopped by the online EM monitor at step 2" in n for n in res.notes)
    assert samplers[0] is None and samplers[1].startswith("tinker://")   # the base first, then the checkpoint
    ev = store.monitor_events()
    assert list(ev[ev.signal == "em_test"].decision) == ["stop"]
    assert list(ev[ev.signal == "probe_em_rate"].value) == [0.0, 1.0]
