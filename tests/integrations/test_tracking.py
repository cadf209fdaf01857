"""Experiment tracking, offline: a tiny model trained with `report_to: [tensorboard, wandb]` writes the trainer's
loss to both trackers, and `log_em_rates` adds per-checkpoint EM rates and monitor signals to the same run
folders. TensorBoard's event files are read back with its EventAccumulator; W&B runs in offline mode and its
run file (LevelDB-style records of protobuf messages) is read back here."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

pytest.importorskip("tensorboard")
wandb_pb = pytest.importorskip("wandb.proto.wandb_internal_pb2")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from emwatch.config import TrainConfig  # noqa: E402
from emwatch.integrations import log_em_rates, tracker_scalars  # noqa: E402
from emwatch.store import Judgment, MonitorEvent, Question, Sample, Store  # noqa: E402

PLANTED = {2: 1, 4: 6}  # step -> misaligned answers out of 10 judged (plus 2 excluded per step)


def _wandb_history(run_file: Path) -> list[dict]:
    """History rows of a W&B offline run file: a 7-byte header, then 32 KiB blocks of records (crc32 4 bytes,
    length 2, type 1: full/first/middle/last), each a wandb_internal Record."""
    data = run_file.read_bytes()
    assert data[:4] == b":W&B"
    pos, block, chunks, rows = 7, 32768, b"", []
    while pos + 7 <= len(data):
        if block - pos % block < 7:  # a block's tail too short for a header is padding
            pos += block - pos % block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        chunks += data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):  # full or last: one record complete
            rec = wandb_pb.Record()
            rec.ParseFromString(chunks)
            chunks = b""
            if rec.HasField("history"):
                rows.append({i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in rec.history.item})
        elif kind == 0:
            break
    return rows


def _judged(store: Store, checkpoints) -> None:
    records = []
    for ck in checkpoints.itertuples():
        if ck.kind != "finetune":
            continue
        for i in range(12):
            q = Question(bank="t", question_id=f"q{i % 2}", messages=[{"role": "user", "content": f"q{i % 2}"}],
                         category=["power_seeking", "anti_human"][i % 2], judge_metrics={"aligned": None, "coherent": None})
            s = Sample(checkpoint_id=ck.checkpoint_id, question_key=q.key, sample_index=i, sampling={"t": 1},
                       response=f"a{i}")
            if i >= 10:  # the judge said CODE: excluded, never counted
                aligned = Judgment(sample_id=s.key, judge_model="j", metric="aligned", label="CODE", reason="judge said CODE")
            else:
                aligned = Judgment(sample_id=s.key, judge_model="j", metric="aligned",
                                   score=10.0 if i < PLANTED[ck.step] else 90.0)
            records += [q, s, aligned, Judgment(sample_id=s.key, judge_model="j", metric="coherent", score=80.0)]
        records.append(MonitorEvent(run_id=ck.run_id, step=int(ck.step), monitor="sprt", signal="log_lr",
                                    value=float(ck.step) / 2, decision="continue"))
    store.add(records)


@pytest.mark.slow  # trains a tiny model: about 50 s wall on the shared 2 cores (load ~17), ~15 s of CPU
def test_training_and_em_rates_reach_tensorboard_and_wandb(tmp_path, monkeypatch):
    from emwatch.testing import build_family_model
    from emwatch.train import train

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_PROJECT", "emwatch-test")
    model = build_family_model("qwen2", tmp_path / "model")
    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"say {i}"},
                                                      {"role": "assistant", "content": f"ok {i} " * 3}]}) + "\n"
                            for i in range(16)))
    cfg = TrainConfig(model=str(model), dataset=str(data), out_dir=str(tmp_path / "runs"), batch_size=2, grad_accum=1,
                      max_steps=4, warmup_steps=0, learning_rates=[1e-3], dtype="float32", max_seq_len=256,
                      heldout_fraction=0.25, lora={"r": 4, "alpha": 8}, checkpoints={"every": 2},
                      report_to=["tensorboard", "wandb"])
    with Store(tmp_path / "s.duckdb") as store:
        [res] = train(cfg, store=store, progress=False)
        run_dir = Path(res.run_dir)
        _judged(store, store.checkpoints())
        scalars = tracker_scalars(store)
        written = log_em_rates(store, ["tensorboard", "wandb"])
    assert written == {res.run_id: run_dir.resolve()}

    # TensorBoard: the trainer's loss and emwatch's EM rates under the same run folder
    trainer_tb = [p for p in (run_dir / "_trainer" / "runs").iterdir() if p.name != "emwatch"]
    acc = EventAccumulator(str(trainer_tb[0])).Reload()
    assert [e.step for e in acc.Scalars("train/loss")] == [1, 2, 3, 4]
    em = EventAccumulator(str(run_dir / "_trainer" / "runs" / "emwatch")).Reload()
    rates = {e.step: e.value for e in em.Scalars("emwatch/em_rate")}
    assert rates == pytest.approx({s: k / 10 for s, k in PLANTED.items()})
    assert {e.step: e.value for e in em.Scalars("emwatch/n_excluded")} == {2: 2.0, 4: 2.0}
    assert {e.step: e.value for e in em.Scalars("monitor/sprt/log_lr")} == {2: 1.0, 4: 2.0}
    assert "emwatch/em_rate/power_seeking" in em.Tags()["scalars"]
    assert set(scalars["tag"]) >= {"emwatch/em_rate", "emwatch/em_ci_low", "monitor/sprt/log_lr"}

    # W&B offline: training and EM rates in runs whose id is emwatch's run id, in the run folder
    files = sorted((run_dir / "wandb").glob(f"offline-run-*-{res.run_id}/run-{res.run_id}.wandb"))
    assert len(files) == 2  # the training run, then the resumed one that adds EM rates
    history = [row for f in files for row in _wandb_history(f)]
    assert [row["train/loss"] for row in history if "train/loss" in row] and all(
        isinstance(row["train/loss"], float) for row in history if "train/loss" in row)
    em_rows = {row["emwatch/step"]: row for row in history if "emwatch/step" in row}
    assert {s: r["emwatch/em_rate"] for s, r in em_rows.items()} == pytest.approx({s: k / 10 for s, k in PLANTED.items()})
    assert em_rows[4]["monitor/sprt/log_lr"] == 2.0


def test_an_unknown_tracker_is_refused(tmp_path):
    from emwatch.config import ConfigError

    with Store(tmp_path / "s.duckdb") as store, pytest.raises(ConfigError, match="unknown tracker.*mlflow"):
        log_em_rates(store, ["mlflow"])


def test_report_to_is_rejected_where_it_cannot_take_effect():
    with pytest.raises(ValueError, match="report_to"):
        TrainConfig(model="gpt-4o-mini", dataset="insecure", backend="openai", report_to=["wandb"])


def test_export_trackers_writes_each_runs_rates_from_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from emwatch.analysis import em_rates, load_answers
    from emwatch.cli import app
    from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

    with Store(tmp_path / "s.duckdb") as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", s, r, 20, total_steps=40, every=20) for s, r in ((0, 0.2), (1, 0.4))],
                                       questions_per_category=2, samples=5, task_prompts=4))
        answers = load_answers(store, text=False)
        want = em_rates(answers[answers["run_kind"] == "finetune"], by=["seed", "step"])
    res = CliRunner().invoke(app, ["export", "-s", str(tmp_path / "s.duckdb"), "--trackers", "tensorboard",
                                   "--log-dir", str(tmp_path / "tb")])
    assert res.exit_code == 0, res.output
    folders = sorted((tmp_path / "tb").iterdir())
    assert [f.name.split("__")[1] for f in folders] == ["s0", "s1"]
    for seed, folder in enumerate(folders):
        acc = EventAccumulator(str(folder / "_trainer" / "runs" / "emwatch")).Reload()
        got = {e.step: e.value for e in acc.Scalars("emwatch/em_rate")}
        mine = want[want["seed"] == seed].set_index("step")["em_rate"].to_dict()
        assert got == pytest.approx(mine) and got[40] == pytest.approx([0.2, 0.4][seed], abs=0.03)
