"""The monitor on an OpenAI fine-tuning job, against the local stand-in of the API (a real HTTP server on
loopback, spoken to by the `openai` SDK: jobs, checkpoints, cancel, chat completions with logprobs).

The probes are sampled from the base model and from each checkpoint by its model name, and judged by a judge
model on the same stand-in through the real `openai` judge backend (SPEC's logprob score). The stand-in's
checkpoints answer misaligned from a chosen step on, so the run has a real onset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_ft_standin import JUDGE, OpenAIFineTuneStandIn  # tests/train/standins, on the path (conftest_hosted.py)

from emwatch.config import ConfigError
from emwatch.train import train

BASE = "gpt-4o-2024-08-06"      # the base model of conftest_hosted's `openai_job`
EPOCHS, STEPS_PER_EPOCH = 6, 5  # a checkpoint every 5 steps, one per epoch; the stand-in finishes one a poll
ANSWERS = 16                    # probe answers a look: 8 questions (one per category) x 2 samples


def _chats(srv: OpenAIFineTuneStandIn) -> tuple[list[str], list[dict]]:
    """The sampled models in the order they were first asked, and the judge requests."""
    calls = srv.calls_to("POST", "/v1/chat/completions")
    sampled = list(dict.fromkeys(c["model"] for c in calls if c["model"] != JUDGE))
    return sampled, [c for c in calls if c["model"] == JUDGE]


def test_a_job_whose_checkpoints_turn_misaligned_is_cancelled_and_keeps_the_last_safe_one(openai_env, openai_job, store):
    onset = 15  # the 3rd checkpoint is the first to answer misaligned
    with OpenAIFineTuneStandIn(running_polls=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, misaligned_from=onset) as srv:
        [res] = train(openai_job(srv.base_url, EPOCHS), store=store, progress=False)
        [job] = srv.jobs.values()
        sampled, judged = _chats(srv)
        assert not srv.unknown, srv.unknown
        assert len(srv.calls_to("POST", "/v1/fine_tuning/jobs/")) == 1          # one cancel
    ev = store.monitor_events()
    tests = ev[ev.signal == "em_test"].sort_values("step")
    stop_step = int(tests.step.iloc[-1])
    # cancelled within 2 checkpoints of the change; the job trained no further epoch after the cancel
    assert job["status"] == "cancelled" and onset <= stop_step <= onset + 2 * STEPS_PER_EPOCH
    assert job["epochs_done"] * STEPS_PER_EPOCH == stop_step
    assert list(tests.decision) == ["continue"] * (len(tests) - 1) + ["stop_keep_best"]
    # the base model first, then every checkpoint up to the stop by its model name; 2 judge calls an answer
    assert sampled[0] == BASE and [n.rsplit("-", 1)[1] for n in sampled[1:]] == [
        str(s) for s in range(STEPS_PER_EPOCH, stop_step + 1, STEPS_PER_EPOCH)]
    assert len(judged) == 2 * ANSWERS * len(sampled) and all(j["logprobs"] and j["top_logprobs"] == 20 for j in judged)
    rates = ev[ev.signal == "probe_em_rate"].sort_values("step")
    assert [(int(s), v) for s, v in zip(rates.step, rates.value)] == [
        (s, float(s >= onset)) for s in range(0, stop_step + 1, STEPS_PER_EPOCH)]
    loss = ev[ev.signal == "heldout_loss"].sort_values("step")        # the checkpoints' own full_valid_loss
    assert list(loss.value) == pytest.approx([2.1 / (s // STEPS_PER_EPOCH) for s in loss.step])
    # the kept checkpoint: the last before the onset (lowest held-out loss before it), as the run's result
    kept = onset - STEPS_PER_EPOCH
    kept_model = f"ft:{BASE}:standin:em-{res.run_id[:8]}:{next(iter(srv.jobs))}:ckpt-step-{kept}"
    assert json.loads(tests.detail.iloc[-1])["kept_step"] == kept
    listed = range(max(STEPS_PER_EPOCH, stop_step - 2 * STEPS_PER_EPOCH), stop_step + 1, STEPS_PER_EPOCH)
    assert [c.step for c in res.checkpoints] == list(listed)                    # what the API still lists
    assert any(c.step == kept and c.path == kept_model for c in res.checkpoints)
    assert any(n.startswith(f"stopped by the online EM monitor at step {stop_step} (job cancelled)")
               and f"kept checkpoint: step {kept} ({kept_model})" in n for n in res.notes)
    done = json.loads((Path(res.run_dir) / "done.json").read_text())
    assert done["fine_tuned_model"] == kept_model and done["monitor_stop"]["kept_step"] == kept
    meta = store.df("SELECT step, path, meta FROM checkpoints WHERE run_id = ? ORDER BY step", [res.run_id])
    marked = [int(s) for s, m in zip(meta.step, meta.meta) if json.loads(m).get("monitor_kept")]
    assert marked == [kept]


def test_a_control_job_that_stays_aligned_runs_to_the_end(openai_env, openai_job, store):
    # the checkpoint list is rate-limited through the first two running polls (the SDK's 5 tries each): the
    # first checkpoint's look waits for the next poll, nothing fails and nothing is skipped
    with OpenAIFineTuneStandIn(running_polls=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, misaligned_from=None,
                               busy_checkpoints=10) as srv:
        [res] = train(openai_job(srv.base_url, EPOCHS), store=store, progress=False)
        [job] = srv.jobs.values()
        sampled, _ = _chats(srv)
        assert not srv.calls_to("POST", "/v1/fine_tuning/jobs/")               # never cancelled
    assert job["status"] == "succeeded"
    last = EPOCHS * STEPS_PER_EPOCH
    assert srv.busy_checkpoints == 0
    assert len(sampled) == 1 + EPOCHS                       # the base and every epoch's checkpoint, the last included
    ev = store.monitor_events()
    tests = ev[ev.signal == "em_test"]
    assert sorted(tests.step) == list(range(STEPS_PER_EPOCH, last + 1, STEPS_PER_EPOCH))
    assert set(tests.decision) == {"continue"} and set(ev[ev.signal == "probe_em_rate"].value) == {0.0}
    assert [c.step for c in res.checkpoints] == [last - 10, last - 5, last] and not res.notes
    assert ":ckpt-step" not in res.checkpoints[-1].path                  # the final model is the run's result


def test_a_stop_decided_before_an_interruption_cancels_the_job_on_the_rerun_without_looking_again(
        openai_env, openai_job, store, monkeypatch):
    from emwatch.train._openai import CheckpointWatch

    decide = CheckpointWatch.__call__

    def crash_after_deciding(self, job):
        if decide(self, job):
            raise KeyboardInterrupt  # the process dies between the decision and the cancel
        return False

    with OpenAIFineTuneStandIn(running_polls=4, steps_per_epoch=STEPS_PER_EPOCH, misaligned_from=10) as srv:
        cfg = openai_job(srv.base_url, epochs=4)
        monkeypatch.setattr(CheckpointWatch, "__call__", crash_after_deciding)
        with pytest.raises(KeyboardInterrupt):
            train(cfg, store=store, progress=False)
        [job] = srv.jobs.values()
        assert job["status"] == "running" and not srv.calls_to("POST", "/v1/fine_tuning/jobs/")
        chats = len(srv.calls_to("POST", "/v1/chat/completions"))
        monkeypatch.setattr(CheckpointWatch, "__call__", decide)
        [res] = train(cfg, store=store, progress=False)
        assert job["status"] == "cancelled" and len(srv.calls_to("POST", "/v1/fine_tuning/jobs/")) == 1
        assert len(srv.calls_to("POST", "/v1/chat/completions")) == chats   # no look after the decision
        assert len(srv.jobs) == 1 and res.status == "resumed"
    assert any("stopped by the online EM monitor at step 10 (job cancelled); kept checkpoint: step 5" in n
               for n in res.notes)


def test_monitor_every_is_refused_for_openai_jobs(openai_env, openai_job):
    with OpenAIFineTuneStandIn() as srv:
        with pytest.raises(ConfigError, match="monitor.every does not apply to backend: openai"):
            train(openai_job(srv.base_url, EPOCHS, every=10), progress=False)
        assert not srv.calls                                                 # nothing uploaded


def test_a_judge_that_scores_nothing_fails_the_run_before_the_job_is_created(openai_env, openai_job):
    from emwatch.errors import BackendError

    with OpenAIFineTuneStandIn() as srv:
        cfg = openai_job(srv.base_url, EPOCHS)
        # a chat model that is no judge: asked to generate a number, it answers in words (each score missing)
        words = cfg.monitor.judge.model_copy(update={"model": BASE, "logprobs": False})
        cfg = cfg.model_copy(update={"monitor": cfg.monitor.model_copy(update={"judge": words})})
        with pytest.raises(BackendError, match=rf"judge \({BASE}\) scored none of the base model's 16 probe"):
            train(cfg, progress=False)
        assert not srv.jobs and len(srv.calls_to("POST", "/v1/chat/completions")) == 16 + 2 * 16
