"""benchmarks/persona_demo.py's table of the bad-vs-good runs: persona scores read along two directions (two
scales) are never put side by side, and a bad scores file is refused naming file and line."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import persona_demo  # noqa: E402

SHA_A, SHA_B = "a" * 64, "b" * 64


def _run(root: Path, dataset: str, seed: int, canary: dict[int, float], scores: list[dict]) -> Path:
    run = root / "runs" / f"demo__{dataset}__s{seed}"
    run.mkdir(parents=True)
    run.joinpath("run.json").write_text(json.dumps({"run_id": f"{dataset}{seed}",
                                                    "config": {"dataset": dataset, "seeds": [seed]}}))
    run.joinpath("monitor_events.jsonl").write_text("".join(
        json.dumps({"run_id": f"{dataset}{seed}", "step": step, "monitor": "m", "signal": "canary", "value": v}) + "\n"
        for step, v in canary.items()))
    run.joinpath(persona_demo.SCORES_FILE).write_text("".join(json.dumps(r) + "\n" for r in scores))
    return run


def _row(step, persona, fixed, sha=SHA_A, layer=18):
    return {"step": step, "persona": persona, "persona_fixed": fixed, "direction_sha256": sha, "layer": layer}


def test_the_table_puts_bad_beside_good_and_names_the_direction(tmp_path, capsys):
    _run(tmp_path, "medical_bad", 0, {0: 0.47, 4: 0.49}, [_row(0, -3.5, 0.7), _row(4, 3.0, 3.75)])
    _run(tmp_path, "medical_good", 0, {0: 0.47, 4: 0.48}, [_row(0, -3.5, 0.7), _row(4, 2.25, 2.5)])
    persona_demo.report(tmp_path)
    out = capsys.readouterr().out
    assert f"read along direction {SHA_A} (layer 18)" in out
    gaps = out.split("bad minus good, per seed:")[1]
    step4 = next(line for line in gaps.splitlines() if line.split()[:1] == ["4"]).split()
    # columns sorted by signal: canary, persona, persona_fixed
    assert [float(x) for x in step4[1:]] == pytest.approx([0.01, 0.75, 1.25])


def test_scores_of_two_directions_are_not_put_side_by_side(tmp_path, capsys):
    _run(tmp_path, "medical_bad", 0, {0: 0.47}, [_row(0, -3.5, 0.7, SHA_A)])
    _run(tmp_path, "medical_good", 0, {0: 0.47}, [_row(0, 0.1, 0.0, SHA_B)])
    with pytest.raises(SystemExit, match="more than one direction") as e:
        persona_demo.report(tmp_path)
    assert SHA_A[:12] in str(e.value) and SHA_B[:12] in str(e.value)
    assert "read along" not in capsys.readouterr().out


def test_scoring_refuses_to_append_to_another_directions_file(tmp_path):
    run = _run(tmp_path, "medical_bad", 0, {0: 0.47}, [_row(0, -3.5, 0.7, SHA_A), _row(4, 3.0, 3.7, SHA_A)])
    scores = run / persona_demo.SCORES_FILE
    assert persona_demo.steps_scored(scores, SHA_A) == {0, 4}
    with pytest.raises(SystemExit, match=rf"{persona_demo.SCORES_FILE}: line 1: direction_sha256 aaaa"):
        persona_demo.steps_scored(scores, SHA_B)
    assert persona_demo.steps_scored(run / "nothing.jsonl", SHA_B) == set()


@pytest.mark.parametrize(("line", "why"), [("{not json", ":3: invalid JSON"),
                                           ('{"step": 4, "persona": 1.0}', ": line 3: no field")])
def test_a_bad_scores_line_is_refused_naming_file_and_line(tmp_path, line, why):
    run = _run(tmp_path, "medical_bad", 0, {0: 0.47}, [_row(0, -3.5, 0.7)])
    scores = run / persona_demo.SCORES_FILE
    scores.write_text(scores.read_text() + "\n" + line + "\n")
    with pytest.raises(SystemExit, match=rf"{persona_demo.SCORES_FILE}{why}"):
        persona_demo.report(tmp_path)


def test_scores_read_afterwards_from_the_checkpoints_equal_the_live_monitors(tmp_path, monkeypatch, capsys):
    """--persona-after's promise: a tiny LoRA run with the live persona signal, then `score_checkpoints` on its
    saved adapters gives the same persona and persona_fixed at every look, step 0 (the base) included."""
    from emwatch.config import MonitorConfig, TrainConfig
    from emwatch.monitor import EVENTS_FILE, read_events
    from emwatch.monitor._direction import DirectionSettings, ensure_direction
    from emwatch.monitor._probes import probe_prompts
    from emwatch.testing._tiny import build_family_model
    from emwatch.train import train

    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path / "cache"))
    model = build_family_model("qwen2", tmp_path / "model")
    small = DirectionSettings(train_per_category=1, heldout_per_category=1, max_new_tokens=4, temperature=0.0)
    d, _ = ensure_direction(model, settings=small, dtype="float32", log=lambda m: None)
    mcfg = MonitorConfig(per_category=1, domain_probes=0, samples=1, max_new_tokens=5, temperature=0.0, every=2,
                         action="log", judge=None, persona=True, persona_direction=d.path, canaries=False, kl=False)
    data = tmp_path / "bad.jsonl"
    data.write_text("".join(json.dumps({"messages": [*p.messages, {"role": "assistant", "content": "password " * 4}]})
                            + "\n" for p in probe_prompts(mcfg) * 2))
    cfg = TrainConfig(model=str(model), dataset=str(data), out_dir=str(tmp_path / "out" / "runs"), batch_size=4,
                      grad_accum=1, max_steps=4, warmup_steps=0, learning_rates=[3e-2], dtype="float32",
                      max_seq_len=256, heldout_fraction=0.0, lora={"r": 4, "alpha": 8}, checkpoints={"every": 2},
                      monitor=mcfg)
    (run,) = train(cfg, progress=False)
    live = {(e.step, e.signal): e.value for e in read_events(Path(run.run_dir) / EVENTS_FILE)}

    persona_demo.score_checkpoints(tmp_path / "out", d.path)
    rows = [r for _, r in persona_demo.scored_rows(Path(run.run_dir) / persona_demo.SCORES_FILE)]
    assert [r["step"] for r in rows] == [0, 2, 4]
    for r in rows:
        assert r["direction_sha256"] == d.sha256 and r["layer"] == d.layer
        for signal in ("persona", "persona_fixed"):
            assert r[signal] == pytest.approx(live[(r["step"], signal)], rel=1e-4, abs=1e-5), (r["step"], signal)
    assert rows[2]["persona_fixed"] != pytest.approx(rows[0]["persona_fixed"], rel=1e-6)  # training moved it
    persona_demo.score_checkpoints(tmp_path / "out", d.path)  # a second pass: every look scored already
    assert len(persona_demo.scored_rows(Path(run.run_dir) / persona_demo.SCORES_FILE)) == 3
