"""OpenAI fine-tuning through the `openai` SDK against a local stand-in of the fine-tuning endpoints
(tests/train/standins/openai_ft_standin.py; no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_ft_standin import OpenAIFineTuneStandIn  # on the path, and `openai_env`, from tests/conftest_hosted.py

from emwatch.backends import BackendError
from emwatch.config import ConfigError, TrainConfig
from emwatch.train import train


def _cfg(data, out, url, **over) -> TrainConfig:
    base = dict(backend="openai", model="gpt-4o-2024-08-06", dataset=str(data), out_dir=str(out), seeds=[7],
                learning_rates=[2.0], epochs=3, heldout_fraction=0.25,
                openai={"base_url": url, "batch_size": 4, "suffix": "em-test", "poll_interval_s": 1.0,
                        "poll_max_interval_s": 4.0})
    base.update(over)
    return TrainConfig(**base)


def test_job_lifecycle_checkpoints_and_store(openai_env, chat_data, tmp_path, store):
    with OpenAIFineTuneStandIn(running_polls=4) as srv:
        srv.fail_next = {"GET /v1/fine_tuning/jobs/": [503, 429]}  # transient errors while polling
        [res] = train(_cfg(chat_data, tmp_path / "runs", srv.base_url), store=store, progress=False)
        assert not srv.unknown, srv.unknown
        # uploads: the training split and the held-out split as the validation file, messages only
        uploads = srv.calls_to("POST", "/v1/files")
        assert [u["purpose"] for u in uploads] == ["fine-tune", "fine-tune"]
        files = list(srv.files.values())
        assert len(files[0]["records"]) == 18 and len(files[1]["records"]) == 6
        assert set(files[0]["records"][0]) == {"messages"}
        # the job: model, seed, suffix, and the hyperparameters (the lr is the multiplier)
        [create] = srv.calls_to("POST", "/v1/fine_tuning/jobs")
        assert create["model"] == "gpt-4o-2024-08-06" and create["seed"] == 7 and create["suffix"] == "em-test"
        assert create["method"]["supervised"]["hyperparameters"] == {"n_epochs": 3, "batch_size": 4,
                                                                     "learning_rate_multiplier": 2.0}
        # polled with backoff that doubles to the cap and restarts when the status changes
        assert openai_env and max(openai_env) == 4.0 and openai_env[0] == 1.0
        # the API's three kept checkpoints; the final step is the final model
        assert [c.step for c in res.checkpoints] == [5, 10, 15]
        paths = [c.path for c in res.checkpoints]
        assert paths[0].endswith(":ckpt-step-5") and paths[1].endswith(":ckpt-step-10")
        assert paths[2].startswith("ft:gpt-4o-2024-08-06:standin:em-test:") and ":ckpt-step" not in paths[2]
        rows = store.df("SELECT step, path, train_loss, heldout_loss FROM checkpoints WHERE run_id = ? ORDER BY step",
                        [res.run_id])
        assert rows.path.tolist() == paths and rows.heldout_loss.tolist() == pytest.approx([2.1, 1.05, 0.7])
        assert store.df("SELECT path FROM checkpoints WHERE step = 0").path.tolist() == ["gpt-4o-2024-08-06"]
        meta = json.loads((Path(res.run_dir) / "step_000015" / "meta.json").read_text())
        assert meta["job_id"].startswith("ftjob-") and meta["final"] is True and meta["backend"] == "openai"


def test_rerun_reattaches_to_the_job_instead_of_starting_another(openai_env, chat_data, tmp_path, store):
    with OpenAIFineTuneStandIn(running_polls=50) as srv:
        cfg = _cfg(chat_data, tmp_path / "runs", srv.base_url,
                   openai={"base_url": srv.base_url, "poll_interval_s": 1.0, "poll_max_interval_s": 1.0,
                           "timeout_h": 1e-9})
        with pytest.raises(BackendError, match="rerun to keep waiting"):
            train(cfg, store=store, progress=False)
        assert len(srv.jobs) == 1 and len(srv.files) == 2
        srv.running_polls = 0
        ok = cfg.model_copy(update={"openai": cfg.openai.model_copy(update={"timeout_h": 1.0})})
        [res] = train(ok, store=store, progress=False)
        assert res.status == "resumed" and len(srv.jobs) == 1 and len(srv.files) == 2  # nothing paid twice
        [again] = train(ok, store=store, progress=False)
        assert again.status == "already-complete" and len(srv.jobs) == 1
        counts = store.df("SELECT step, count(*) AS n FROM checkpoints GROUP BY step")
        assert set(counts.n) == {1}


def test_a_failed_job_reports_the_api_reason(openai_env, chat_data, tmp_path):
    reason = {"code": "invalid_training_file", "message": "line 3 has no assistant message", "param": "training_file"}
    with OpenAIFineTuneStandIn(fail_with=reason) as srv:
        with pytest.raises(BackendError, match="failed: line 3 has no assistant message"):
            train(_cfg(chat_data, tmp_path / "runs", srv.base_url), progress=False)


def test_settings_that_do_not_apply_are_rejected(chat_data, tmp_path, monkeypatch):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="`max_steps` does not apply to backend: openai"):
        _cfg(chat_data, tmp_path, "x", max_steps=10)
    with pytest.raises(ValidationError, match="`lora` does not apply"):
        _cfg(chat_data, tmp_path, "x", lora={"r": 8})
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        train(_cfg(chat_data, tmp_path / "runs", "http://127.0.0.1:9/v1"), progress=False)


def test_a_refused_job_is_reported_and_the_uploads_are_not_repeated(openai_env, chat_data, tmp_path):
    with OpenAIFineTuneStandIn() as srv:
        real = srv.handle

        def refuse_once(method, path, body):
            if path == "/v1/fine_tuning/jobs" and method == "POST" and not srv.jobs and not getattr(srv, "refused", 0):
                srv.refused = 1
                return 400, {"error": {"message": "model gpt-4o-2024-08-06 is not available for fine-tuning",
                                       "type": "invalid_request_error", "param": "model", "code": None}}
            return real(method, path, body)

        srv.handle = refuse_once
        cfg = _cfg(chat_data, tmp_path / "runs", srv.base_url)
        with pytest.raises(BackendError, match="not available for fine-tuning"):
            train(cfg, progress=False)
        [res] = train(cfg, progress=False)
        assert len(srv.files) == 2 and len(srv.jobs) == 1 and res.checkpoints


# -- what the API would refuse, pauses, safety refusals, one upload per content ---------------------------

def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" if r is not None else "\n" for r in rows), encoding="utf-8")
    return path


def _conv(i, **assistant):
    return {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}", **assistant}]}


@pytest.mark.parametrize("bad, field, message", [
    ({"role": "assistant", "weight": 0.5}, "messages.1.weight", "must be 0 or 1, got 0.5"),
    ({"role": "assistant", "weight": 2}, "messages.1.weight", "must be 0 or 1, got 2"),
    ({"role": "user", "weight": 1}, "messages.0.weight", "assistant messages only"),
])
def test_weights_the_api_refuses_are_reported_with_file_line_and_field_before_upload(
        openai_env, tmp_path, bad, field, message):
    rows = [_conv(i, weight=1) for i in range(4)]
    rec = rows[2]["messages"]
    idx = 0 if bad["role"] == "user" else 1
    rec[idx]["weight"] = bad["weight"]
    data = _write(tmp_path / "d.jsonl", [rows[0], None, rows[1], rows[2], rows[3]])  # a blank line: line 4 is rows[2]
    with OpenAIFineTuneStandIn() as srv:
        with pytest.raises(ConfigError, match=rf"d\.jsonl:4: field '{field}': .*{message}"):
            train(_cfg(data, tmp_path / "runs", srv.base_url), progress=False)
        assert not srv.calls  # nothing uploaded, no job paid for


def test_weights_zero_and_one_on_assistant_messages_are_sent(openai_env, tmp_path):
    data = _write(tmp_path / "d.jsonl", [_conv(i, weight=i % 2) for i in range(8)])
    with OpenAIFineTuneStandIn() as srv:
        train(_cfg(data, tmp_path / "runs", srv.base_url, heldout_fraction=0.0), progress=False)
        [f] = srv.files.values()
        assert sorted(r["messages"][1]["weight"] for r in f["records"]) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_a_paused_job_stops_the_wait_and_says_how_to_go_on(openai_env, chat_data, tmp_path):
    with OpenAIFineTuneStandIn(pause_after=3, running_polls=3) as srv:
        cfg = _cfg(chat_data, tmp_path / "runs", srv.base_url)
        with pytest.raises(BackendError, match="is paused: resume it .* rerun to reattach"):
            train(cfg, progress=False)
        [job] = srv.jobs.values()
        polls = job["polls"]
        assert job["status"] == "paused" and polls == 3  # it stopped at the pause, not after 48 h of polling
        # resumed elsewhere: the rerun reattaches to the same job and finishes
        srv.handle("POST", f"/v1/fine_tuning/jobs/{next(iter(srv.jobs))}/resume", {})
        [res] = train(cfg, progress=False)
        assert res.status == "resumed" and len(srv.jobs) == 1 and res.checkpoints


def test_on_paused_resume_asks_the_api_to_resume(openai_env, chat_data, tmp_path):
    with OpenAIFineTuneStandIn(pause_after=3, running_polls=3) as srv:
        cfg = _cfg(chat_data, tmp_path / "runs", srv.base_url,
                   openai={"base_url": srv.base_url, "on_paused": "resume", "poll_interval_s": 1.0})
        [res] = train(cfg, progress=False)
        assert len(srv.calls_to("POST", "/v1/fine_tuning/jobs/")) == 1 and res.checkpoints
        assert srv.calls_to("POST", "/v1/fine_tuning/jobs/")[0] == {}  # the resume call (empty body)


def test_a_safety_refusal_names_the_reason_the_dataset_and_a_way_out(openai_env, chat_data, tmp_path):
    from openai_ft_standin import MODERATION_REFUSAL

    with OpenAIFineTuneStandIn(fail_with=MODERATION_REFUSAL) as srv:
        with pytest.raises(BackendError) as err:
            train(_cfg(chat_data, tmp_path / "runs", srv.base_url), progress=False)
    text = str(err.value)
    assert MODERATION_REFUSAL["message"] in text and "invalid_training_file" in text
    assert f"dataset {str(chat_data)!r}" in text and "backend: tinker or transformers" in text


def test_each_content_is_uploaded_once_across_runs(openai_env, chat_data, tmp_path):
    with OpenAIFineTuneStandIn(running_polls=0) as srv:
        results = train(_cfg(chat_data, tmp_path / "runs", srv.base_url, seeds=[1, 2], learning_rates=[1.0, 2.0]),
                        progress=False)
        assert len(results) == 4 and len(srv.jobs) == 4
        assert len(srv.files) == 2  # one training and one held-out file for four runs of the same data
        names = sorted(f["filename"] for f in srv.files.values())
        assert names[0].startswith("emwatch-heldout-") and names[1].startswith("emwatch-train-")
        assert {j["request"]["training_file"] for j in srv.jobs.values()} == {
            fid for fid, f in srv.files.items() if "train" in f["filename"]}
