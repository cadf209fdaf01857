"""A sampling process killed with SIGKILL mid-run leaves only whole chunks; a rerun completes it, no duplicates.

Chunks of 3 samples with 2 samples per prompt span prompts (chunk 1 = prompt A's two samples and prompt B's
first), so "whole chunks" is not the same as "whole prompts": a commit per prompt or per row would leave a
count that is not a multiple of 3, or a prefix of the plan that ends mid-chunk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from emwatch.store import Store, register_base_model

pytestmark = pytest.mark.slow  # each test runs the sampler in fresh processes: 30-60 s on 2 cores

CHUNK, SAMPLES, PER_CATEGORY = 3, 2, 2

SCRIPT = textwrap.dedent(f"""
    import os, signal, sys, torch
    torch.set_num_threads(1)
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec, SampleConfig
    from emwatch.sample import sample
    from emwatch.store import Store
    db, model, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    cfg = SampleConfig(per_category={PER_CATEGORY}, samples={SAMPLES}, max_new_tokens=24)
    b = HFBackend(BackendSpec(kind="hf", model=model, dtype="float32", device="cpu", batch_size=2))
    generate, calls = b.generate, [0]
    def announced(reqs):
        calls[0] += 1
        if mode == "kill_in_generate" and calls[0] == 3:  # first batch of chunk 2: chunk 1 is committed
            os.kill(os.getpid(), signal.SIGKILL)
        out = generate(reqs)
        print("generated", len(reqs), flush=True)  # in mode "external" the parent kills us after a few
        return out
    b.generate = announced
    if mode == "kill_in_insert":
        # write a chunk's sample rows one statement at a time and die after the first row of chunk 2: the
        # chunk's transaction must take that row with it
        insert, written = Store._insert, [0]
        def row_by_row(self, table, rows):
            if table != "samples":
                return insert(self, table, rows)
            n = 0
            for row in rows:
                n += insert(self, table, [row])
                written[0] += 1
                if written[0] == {CHUNK} + 1:
                    os.kill(os.getpid(), signal.SIGKILL)
            return n
        Store._insert = row_by_row
    with Store(db) as s:
        sample(s, cfg, b, progress=False, chunk={CHUNK})
""")


def _plan_order():
    """(question_key, sample_index) in the order the stage samples them (question key, then sample index)."""
    from emwatch.bench import build_prompts

    prompts = build_prompts("em240", per_category=PER_CATEGORY, samples=SAMPLES)
    return [(p.key, i) for p in sorted(prompts, key=lambda p: p.key) for i in range(p.samples)]


def _stored(db):
    with Store(db) as s:
        rows = s.df("SELECT question_key, sample_index FROM samples")
    return {(q, int(i)) for q, i in zip(rows.question_key, rows.sample_index)}


def _start(tmp_path, tiny_qwen2, mode):
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        register_base_model(s, "tiny", str(tiny_qwen2))
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    return db, [sys.executable, str(script), str(db), str(tiny_qwen2), mode]


def _resume_and_check(db, cmd, partial):
    plan = _plan_order()
    assert 0 < partial < len(plan), f"the kill left {partial} of {len(plan)} samples: nothing to resume"
    assert partial % CHUNK == 0, f"{partial} samples stored: a chunk of {CHUNK} was cut"
    stored = _stored(db)
    assert stored == set(plan[:partial]), "stored samples are not the first whole chunks of the plan"
    done = subprocess.run(cmd[:-1] + ["resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with Store(db) as s:
        assert s.count("samples") == len(plan)
        dup = s.df("SELECT count(*) n FROM (SELECT question_key, sample_index FROM samples GROUP BY ALL HAVING count(*) > 1)")
        assert dup.n[0] == 0
    assert _stored(db) == set(plan)


def test_sigkill_mid_sampling_then_resume(tmp_path, tiny_qwen2):
    db, cmd = _start(tmp_path, tiny_qwen2, "external")
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, text=True)
    try:
        seen = 0
        for line in proc.stdout:  # kill -9 right after the 4th batch: around chunk 2's commit
            seen += line.startswith("generated")
            if seen == 4:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sampler finished before it could be killed"
    with Store(db) as s:
        partial = s.count("samples")
    _resume_and_check(db, cmd, partial)


@pytest.mark.parametrize("mode,partial", [("kill_in_generate", CHUNK), ("kill_in_insert", CHUNK)])
def test_sigkill_at_a_known_point_leaves_exactly_the_committed_chunks(tmp_path, tiny_qwen2, mode, partial):
    db, cmd = _start(tmp_path, tiny_qwen2, mode)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    stored = _stored(db)
    assert len(stored) == partial
    # the chunks span prompts: some prompt has only one of its two samples stored
    per_prompt = {}
    for q, _ in stored:
        per_prompt[q] = per_prompt.get(q, 0) + 1
    assert 1 in per_prompt.values()
    _resume_and_check(db, cmd, partial)
