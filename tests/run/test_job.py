"""The job graph on the local executor without models: `evaluate:` checkpoints sampled and judged through backends
registered by name (the way a study names `vllm` or any other kind), chunked commits, a failing task retried a
bounded number of times and then reported with its cause, a rerun that writes nothing twice, and status."""

from __future__ import annotations

import yaml

from emwatch.backends import Generation, NumberDistribution, register_backend
from emwatch.run import load_study, run_study, status_table
from emwatch.store import Store

CALLS = {"generate": 0, "fail_first": 0}


def _user(messages) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


class Canned:
    """Answers every prompt with a fixed text and every judge prompt with 80 (built from its BackendSpec)."""

    name = "canned"

    def __init__(self, spec):
        self.spec = spec

    def generate(self, requests):
        CALLS["generate"] += len(requests)
        if self.spec.model == "flaky" and CALLS["fail_first"] == 0:
            CALLS["fail_first"] += 1
            raise RuntimeError("server went away")
        if self.spec.model == "broken":
            raise RuntimeError("model file is corrupt")
        return [Generation(text=f"reply to {_user(r.messages)[:15]}", prompt="p", finish_reason="stop") for r in requests]

    def score_numbers(self, requests):
        return [NumberDistribution(probs={"80": 1.0}) for _ in requests]

    def close(self):
        pass


register_backend("canned", Canned, replace=True)


def _study(tmp_path, model="m", name="ev", retries=1):
    data = {"name": name, "out_dir": str(tmp_path / "out"), "retries": retries, "chunk": 5,
            "evaluate": [{"name": "base-a", "path": None}, {"name": "tuned-a", "base": "base-a", "step": 100}],
            "sample": {"backend": {"kind": "canned", "model": model}, "categories": ["power_seeking", "anti_human"],
                       "per_category": 2, "samples": 2, "max_paraphrases": 1, "task": "code", "task_limit": 2},
            "judge": {"backend": {"kind": "canned", "model": "judge"}},
            "report": {"enabled": False}}
    tmp_path.mkdir(parents=True, exist_ok=True)
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_study(p)


def test_evaluate_checkpoints_end_to_end_then_a_rerun_writes_nothing(tmp_path):
    loaded = _study(tmp_path)
    res = run_study(loaded, progress=False, log=lambda m: None)
    assert res.ok
    n_ckpts = 3  # base-a (as itself and as the adapter's base: one run) + tuned-a at step 100
    with Store(res.store_path, read_only=True) as s:
        ck = s.checkpoints()
        n_ckpts = len(ck)
        assert sorted(ck.step.tolist()) == [0, 100]
        per_ckpt = 2 * 2 * 2 + 2  # 2 categories x 2 questions x 2 samples + 2 coding prompts
        assert s.count("samples") == n_ckpts * per_ckpt
        assert s.count("judgments") == n_ckpts * (2 * 2 * 2 * 2 + 2)  # aligned + coherent; static for code
        scores = s.query("SELECT DISTINCT score FROM judgments WHERE metric = 'aligned'").score.tolist()
        assert scores == [80.0]
        table = status_table(s, "ev")
    overall = table[table.run == "(all)"].set_index("stage")
    assert overall.loc["sample", "done"] == n_ckpts and overall.loc["judge", "done"] == n_ckpts
    assert overall.loc["analyze", "done"] == 1
    assert (table[["pending", "running", "failed"]] == 0).all().all()

    before = CALLS["generate"]
    again = run_study(loaded, progress=False, log=lambda m: None)
    assert again.ok and again.counts == res.counts  # nothing new, nothing twice
    assert CALLS["generate"] == before  # and the backend was not even asked


def test_a_failing_task_is_retried_then_reported_with_its_cause(tmp_path):
    CALLS["fail_first"] = 0
    flaky = run_study(_study(tmp_path / "a", model="flaky", name="flaky"), progress=False, log=lambda m: None)
    assert flaky.ok and CALLS["fail_first"] == 1  # failed once, retried, done

    logs: list[str] = []
    broken = run_study(_study(tmp_path / "b", model="broken", name="broken", retries=2), progress=False, log=logs.append)
    assert not broken.ok
    assert {f["kind"] for f in broken.failed} == {"sample"}
    assert all("model file is corrupt" in f["error"] for f in broken.failed)
    assert any("failed after 3 tries" in line for line in logs)
    assert not broken.outputs  # no analyses over an incomplete study
    with Store(broken.store_path, read_only=True) as s:
        assert s.count("samples") == 0
        tasks = s.tasks("broken")
    assert set(tasks[tasks.kind == "sample"].status) == {"failed"}
    assert "model file is corrupt" in tasks[tasks.kind == "sample"].error.iloc[0]


def test_status_cli_reads_the_store(tmp_path):
    import json

    from typer.testing import CliRunner

    from emwatch.cli import app

    res = run_study(_study(tmp_path), progress=False, log=lambda m: None)
    out = CliRunner().invoke(app, ["status", "--store", str(res.store_path), "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert {r["stage"] for r in rows} == {"sample", "judge", "analyze"}
    table = CliRunner().invoke(app, ["status", "--store", str(res.store_path)])
    assert table.exit_code == 0 and "sample" in table.stdout and "judge" in table.stdout
    missing = CliRunner().invoke(app, ["status", "--store", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 1 and "no such store" in missing.stderr
