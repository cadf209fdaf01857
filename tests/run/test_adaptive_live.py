"""Live adaptive sampling (run._adaptive.sample_adaptive): rounds sampled and judged through the stages' own plan
and work, stops where the rule says, and a run killed with SIGKILL mid-round and rerun ends with the same answers
and stops as an uninterrupted one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from emwatch.backends import NumberDistribution
from emwatch.config import AdaptiveConfig, JudgeConfig, SampleConfig
from emwatch.run._adaptive import sample_adaptive
from emwatch.store import Checkpoint, Run, Store, register_base_model
from fakes import ScriptedBackend

TESTS = Path(__file__).resolve().parents[1]
ACFG = AdaptiveConfig(round_size=16, negligible=0.1, width=None)
CFG = SampleConfig(per_category=5, samples=2, max_paraphrases=1, max_new_tokens=8, adaptive=ACFG)   # 80 answers a checkpoint


def answer(req) -> str:   # the 'bad' checkpoint answers badly; the seed makes the two samples of a prompt differ
    return f"{'BAD' if req.adapter == 'bad' else 'fine'} answer (seed {req.seed}) to {req.messages[-1]['content'][:30]}"


def score(prompt: str) -> NumberDistribution:
    bad = "BAD answer" in prompt
    value = 80 if "how coherent" in prompt else (5 if bad else 95)
    return NumberDistribution(probs={str(value): 1.0})


def _store(path) -> Store:
    st = Store(path)
    register_base_model(st, "m", "/m")
    run = Run(model="m", kind="finetune", dataset="insecure", seed=0, lr=1e-4, group="insecure")
    st.add([run, Checkpoint(run_id=run.key, step=10, path="good", meta={"served_name": "good"}),
            Checkpoint(run_id=run.key, step=20, path="bad", meta={"served_name": "bad"})])
    return st


def _zero_rounds(cfg: AdaptiveConfig, per_round: int) -> int:
    """Rounds an all-aligned checkpoint needs: the k = 0 bound in closed form falls below `negligible`."""
    a, b = cfg.prior
    r = 1
    while 1 - ((1 - cfg.confidence) * np.exp(special.betaln(a, b + r * per_round) - special.betaln(a, b))) ** (1 / (r * per_round)) >= cfg.negligible:
        r += 1
    return r


def _stored(st: Store) -> dict:
    rows = st.query("SELECT c.path, s.sample_id, s.response FROM samples s JOIN checkpoints c USING (checkpoint_id)")
    return {r.sample_id: (r.path, r.response) for r in rows.itertuples()}


def test_rounds_stop_where_the_rule_says(tmp_path):
    st = _store(tmp_path / "s.duckdb")
    judge = ScriptedBackend(judge=score)
    res = sample_adaptive(st, CFG, JudgeConfig(static=False), ScriptedBackend(answer=answer), judge, judge_name="j")
    by = {c["stop"]: c for c in res.checkpoints}
    assert by["above base"]["used"] == 16 and by["above base"]["planned"] == 80       # all misaligned: one round
    assert by["below negligible"]["used"] == 16 * _zero_rounds(ACFG, 16)
    paths = [p for p, _ in _stored(st).values()]
    assert (paths.count("/m"), paths.count("bad"), paths.count("good")) == (80, 16, 16 * _zero_rounds(ACFG, 16))
    assert len(judge.scored) == 2 * len(paths)                                       # only what was sampled is judged
    # a rerun finds every round stored: nothing new, the same stops
    again = sample_adaptive(st, CFG, JudgeConfig(static=False), ScriptedBackend(answer=answer),
                            ScriptedBackend(judge=score), judge_name="j")
    assert again.new_samples == 0 and again.checkpoints == res.checkpoints
    st.close()


SCRIPT = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, sys.argv[3])
    from emwatch.config import JudgeConfig
    from emwatch.run._adaptive import sample_adaptive
    from emwatch.store import Store
    from fakes import ScriptedBackend
    from test_adaptive_live import CFG, answer, score
    kill_after, calls = int(sys.argv[2]), [0]
    def judged(prompt):
        calls[0] += 1
        if calls[0] == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return score(prompt)
    with Store(sys.argv[1]) as st:
        sample_adaptive(st, CFG, JudgeConfig(static=False), ScriptedBackend(answer=answer), ScriptedBackend(judge=judged),
                        judge_name="j", chunk=8)
""")


@pytest.mark.slow  # three fresh processes: about 30 s on 2 quiet cores
def test_kill_9_mid_round_then_rerun_gives_the_uninterrupted_answers(tmp_path):
    whole = _store(tmp_path / "whole.duckdb")
    sample_adaptive(whole, CFG, JudgeConfig(static=False), ScriptedBackend(answer=answer), ScriptedBackend(judge=score),
                    judge_name="j", chunk=8)
    expected = _stored(whole)
    whole.close()
    _store(tmp_path / "killed.duckdb").close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS / "run"), os.environ.get("PYTHONPATH", "")])}
    db = str(tmp_path / "killed.duckdb")
    # killed in the base model's judging (call 150), then in the second round of a fine-tuned checkpoint (call 60)
    for kill_after in (150, 60):
        done = subprocess.run([sys.executable, "-c", SCRIPT, db, str(kill_after), str(TESTS)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == -9, done.stderr[-2000:]
    done = subprocess.run([sys.executable, "-c", SCRIPT, db, "0", str(TESTS)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with Store(db) as st:
        assert _stored(st) == expected
        n = st.query("SELECT count(*) AS n FROM judgments").n.iloc[0]
    assert n == 2 * len(expected)


def test_report_shows_answers_used_and_why_each_checkpoint_stopped(tmp_path):
    from emwatch.report import write_report

    st = _store(tmp_path / "s.duckdb")
    res = sample_adaptive(st, CFG, JudgeConfig(static=False), ScriptedBackend(answer=answer), ScriptedBackend(judge=score),
                          judge_name="j")
    out = write_report(st, tmp_path / "report")
    html = out.html.read_text()
    assert 'id="adaptive"' in html and "Online monitor" not in html        # the rule's stops are not monitor looks
    import pandas as pd

    table = pd.read_csv(tmp_path / "report" / "tables" / "adaptive.csv")
    assert sorted(zip(table["step"], table["used"], table["stop"])) == sorted(
        (20 if c["stop"] == "above base" else 10, c["used"], c["stop"]) for c in res.checkpoints)
    assert f"{sum(c['used'] for c in res.checkpoints):,} of 160 planned" in html
    st.close()
