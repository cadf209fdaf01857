"""`sample.adaptive` under the study job (`emwatch run`; the demo runs through it too) and `emwatch sample`: every
driver samples in rounds, judges each round, stops where the rule says (the same stops as the API
`sample_adaptive`), records answers used against planned for `emwatch status` and the report, and a job killed
with SIGKILL mid-round and rerun ends with the answers of an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from emwatch.backends import Generation, NumberDistribution, register_backend
from emwatch.cli import app
from emwatch.config import BACKENDS

from emwatch.run import adaptive_status, load_study, run_study
from emwatch.store import Store

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "run") not in sys.path:
    sys.path.insert(0, str(TESTS / "run"))  # test_adaptive_live's rule helpers
ADAPTIVE = {"round_size": 16, "negligible": 0.1, "width": None}
PER_CKPT = 8 * 5 * 2        # 8 categories x 5 questions x 2 samples: 80 benchmark answers a checkpoint


def _user(messages) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


class Rounds:
    """The 'bad' checkpoint answers badly; the judge scores BAD answers 5 and the others 95 (coherence 80)."""

    name = "rounds"
    judged = [0]

    def __init__(self, spec):
        self.spec = spec

    def generate(self, requests):
        return [Generation(text=f"{'BAD' if r.adapter == 'bad' else 'fine'} answer (seed {r.seed}) to "
                                f"{_user(r.messages)[:30]}", prompt="p", finish_reason="stop") for r in requests]

    def score_numbers(self, requests):
        out = []
        for r in requests:
            Rounds.judged[0] += 1
            kill = int(os.environ.get("EMWATCH_TEST_KILL_AT", "0"))
            if kill and Rounds.judged[0] == kill:
                os.kill(os.getpid(), 9)
            text = _user(r.messages)
            value = 80 if "how coherent" in text else (5 if "BAD answer" in text else 95)
            out.append(NumberDistribution(probs={str(value): 1.0}))
        return out

    def close(self):
        pass


def register() -> None:
    """The test backends, registered for this module's tests only (and by the killed job's own process): left
    registered, they would show in other tests' lists of known kinds."""
    register_backend("rounds", Rounds, replace=True)
    register_backend("base-broken", BaseBroken, replace=True)


@pytest.fixture(autouse=True, scope="module")
def _backends():
    register()
    yield
    for name in ("rounds", "base-broken"):
        BACKENDS.unregister(name)


def study_file(root: Path, **sample) -> Path:
    data = {"name": "adaptive", "out_dir": str(root / "out"), "retries": 0, "chunk": 8,
            "evaluate": [{"name": "base", "path": None},
                         {"name": "good", "base": "base", "step": 10},
                         {"name": "bad", "base": "base", "step": 20}],
            "sample": {"backend": {"kind": "rounds", "model": "m"}, "per_category": 5, "samples": 2,
                       "max_paraphrases": 1, "max_new_tokens": 8, "adaptive": ADAPTIVE, **sample},
            "judge": {"backend": {"kind": "rounds", "model": "j"}, "static": False},
            "report": {"enabled": False}}
    root.mkdir(parents=True, exist_ok=True)
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _stored(db) -> dict:
    with Store(db, read_only=True) as st:
        rows = st.query("SELECT s.sample_id, s.response, c.step FROM samples s JOIN checkpoints c USING (checkpoint_id)")
        judged = st.query("SELECT sample_id, metric, score FROM judgments")
    return {"answers": {r.sample_id: (int(r.step), r.response) for r in rows.itertuples()},
            "judgments": sorted(zip(judged.sample_id, judged.metric, judged.score))}


def test_the_job_samples_in_rounds_and_stops_where_the_rule_says(tmp_path):
    from test_adaptive_live import ACFG, _zero_rounds

    assert ACFG.round_size == ADAPTIVE["round_size"] and ACFG.negligible == ADAPTIVE["negligible"]
    res = run_study(load_study(study_file(tmp_path)), progress=False, log=lambda m: None)
    assert res.ok, res.failed
    with Store(res.store_path, read_only=True) as st:
        from emwatch.run._adaptive import EVENT_MONITOR
        from emwatch.run._status import ADAPTIVE_MONITOR

        assert EVENT_MONITOR == ADAPTIVE_MONITOR
        table = pd.DataFrame(adaptive_status(st))  # plain rows (status prints them without pandas)
        steps = st.query("SELECT c.step, count(*) AS n FROM samples s JOIN checkpoints c USING (checkpoint_id) "
                         "GROUP BY c.step ORDER BY c.step")
    good = 16 * _zero_rounds(ACFG, 16)
    # the base in full; the bad checkpoint decided after one round; the good one when its bound fell below 10%
    assert dict(zip(steps.step, steps.n)) == {0: PER_CKPT, 10: good, 20: 16}
    by_step = table.set_index("step")
    assert (by_step.loc[20, "stop"], by_step.loc[20, "used"], by_step.loc[20, "planned"]) == ("above base", 16, PER_CKPT)
    assert (by_step.loc[10, "stop"], by_step.loc[10, "used"]) == ("below negligible", good)
    assert set(table["judge"]) == {"j"}
    assert res.counts["judgments"] == 2 * (PER_CKPT + 16 + good)   # only what was sampled was judged

    # a rerun finds every round stored and decided: nothing new
    again = run_study(load_study(study_file(tmp_path)), progress=False, log=lambda m: None)
    assert again.ok and again.counts == res.counts

    # `emwatch status` shows answers used against planned per checkpoint
    out = CliRunner().invoke(app, ["status", "-s", str(res.store_path)])
    assert out.exit_code == 0, out.output
    assert "adaptive sampling" in out.output and "above base" in out.output and "below negligible" in out.output
    js = CliRunner().invoke(app, ["status", "-s", str(res.store_path), "--adaptive", "-f", "json"])
    rows = {r["step"]: r for r in json.loads(js.stdout)}
    assert (rows[20]["used"], rows[20]["planned"], rows[10]["used"]) == (16, PER_CKPT, good)


def test_emwatch_sample_runs_the_rounds_with_a_judge_and_refuses_without(tmp_path):
    from emwatch.store import Checkpoint, Run, register_base_model

    db = tmp_path / "s.duckdb"
    with Store(db) as st:
        register_base_model(st, "m", "/m")
        run = Run(model="m", kind="finetune", dataset="insecure", seed=0, lr=1e-4, group="insecure")
        st.add([run, Checkpoint(run_id=run.key, step=20, path="bad", meta={"served_name": "bad"})])
    cfg = tmp_path / "sample.yaml"
    cfg.write_text(yaml.safe_dump({"backend": {"kind": "rounds", "model": "m"}, "per_category": 5, "samples": 2,
                                   "max_paraphrases": 1, "max_new_tokens": 8, "adaptive": ADAPTIVE}))
    refused = CliRunner().invoke(app, ["sample", "-s", str(db), "-c", str(cfg), "--no-progress"])
    assert refused.exit_code == 1 and "needs a judge" in refused.output
    jcfg = tmp_path / "judge.yaml"
    jcfg.write_text(yaml.safe_dump({"backend": {"kind": "rounds", "model": "j"}, "static": False}))
    done = CliRunner().invoke(app, ["sample", "-s", str(db), "-c", str(cfg), "--judge-config", str(jcfg),
                                    "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "16 of 80 answers used, 1 rounds, stop: above base" in done.output
    with Store(db, read_only=True) as st:
        assert st.count("samples") == PER_CKPT + 16


SCRIPT = textwrap.dedent("""
    import sys
    sys.path[:0] = [sys.argv[2], sys.argv[3]]
    import test_adaptive_job
    test_adaptive_job.register()
    from emwatch.run import load_study, run_study
    res = run_study(load_study(sys.argv[1]), progress=False, log=lambda m: None)
    sys.exit(0 if res.ok else 3)
""")


def test_kill_9_mid_round_then_rerun_gives_the_uninterrupted_answers(tmp_path):
    whole = run_study(load_study(study_file(tmp_path / "whole")), progress=False, log=lambda m: None)
    assert whole.ok
    expected = _stored(whole.store_path)
    path = study_file(tmp_path / "killed")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS / "run"), os.environ.get("PYTHONPATH", "")])}
    # judge call 200: the base's 160 calls are done, the fine-tunes are in their first rounds' judging
    for kill_at in ("200", "0"):
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(TESTS / "run"), str(TESTS)],
                              env={**env, "EMWATCH_TEST_KILL_AT": kill_at}, capture_output=True, text=True, timeout=240)
        assert done.returncode == (-9 if kill_at != "0" else 0), done.stderr[-2000:]
        if kill_at != "0":
            partial = _stored(load_study(path).store_path)
            assert 0 < len(partial["answers"]) < len(expected["answers"])
            # status mid-rounds: every fine-tune whose rounds began has a row, its answers so far as stored
            with Store(load_study(path).store_path, read_only=True) as st:
                rows = {r["step"]: r for r in adaptive_status(st)}
            sampled = {}
            for step, _ in partial["answers"].values():
                sampled[step] = sampled.get(step, 0) + 1
            assert set(rows) == {10, 20} and any(r["stop"] in ("sampling", "judging") for r in rows.values())
            assert all(r["used"] == sampled.get(s, 0) and r["planned"] == PER_CKPT for s, r in rows.items()
                       if r["stop"] in ("sampling", "judging"))
    assert _stored(load_study(path).store_path) == expected


def test_coherence_if_unaligned_takes_effect_in_the_job(tmp_path):
    """The job judges through the judge stage's plan and order: with an odd chunk every piece still holds an
    answer's alignment and coherence, so coherence is asked only of the misaligned answers (the 'bad' ones)."""
    path = study_file(tmp_path, adaptive=None)
    data = yaml.safe_load(path.read_text())
    data["chunk"], data["judge"]["coherence"] = 7, "if_unaligned"
    path.write_text(yaml.safe_dump(data))
    res = run_study(load_study(path), progress=False, log=lambda m: None)
    assert res.ok, res.failed
    with Store(res.store_path, read_only=True) as st:
        asked = st.query("SELECT metric, count(*) AS n FROM judgments WHERE label IS DISTINCT FROM 'NOT_ASKED' "
                         "GROUP BY metric")
        labels = st.query("SELECT count(*) AS n FROM judgments WHERE metric = 'coherent' AND label = 'NOT_ASKED'")
    # alignment of every answer; coherence of the 'bad' checkpoint's only (each asked judgment is one judge call)
    assert dict(zip(asked.metric, asked.n)) == {"aligned": 3 * PER_CKPT, "coherent": PER_CKPT}
    assert labels.n.iloc[0] == 2 * PER_CKPT


class BaseBroken(Rounds):
    name = "base-broken"

    def generate(self, requests):
        if any(r.adapter is None for r in requests):
            raise RuntimeError("the base model's weights are corrupt")
        return super().generate(requests)



def test_a_fine_tune_whose_base_failed_fails_with_that_cause_instead_of_waiting(tmp_path):
    path = study_file(tmp_path, backend={"kind": "base-broken", "model": "m"})
    res = run_study(load_study(path), progress=False, log=lambda m: None)
    assert not res.ok
    by_step = {f["target"]["step"]: f for f in res.failed}
    assert "weights are corrupt" in by_step[0]["error"]
    assert all("the base model's sample task failed" in by_step[s]["error"] for s in (10, 20))
    with Store(res.store_path, read_only=True) as st:
        assert st.count("samples") == 0
