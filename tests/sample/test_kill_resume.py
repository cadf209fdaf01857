"""A sampling process killed with SIGKILL mid-run leaves only whole chunks; a rerun completes it, no duplicates."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from emwatch.store import Store, register_base_model

SCRIPT = textwrap.dedent("""
    import sys, torch
    torch.set_num_threads(1)
    from emwatch.backends._hf import HFBackend
    from emwatch.config import BackendSpec, SampleConfig
    from emwatch.sample import sample_store
    from emwatch.store import Store
    cfg = SampleConfig(per_category=2, samples=2, max_new_tokens=24)
    b = HFBackend(BackendSpec(kind="hf", model=sys.argv[2], dtype="float32", device="cpu", batch_size=2))
    generate = b.generate
    def announced(reqs):
        out = generate(reqs)
        print("generated", len(reqs), flush=True)  # the parent kills us after a few of these
        return out
    b.generate = announced
    with Store(sys.argv[1]) as s:
        sample_store(s, cfg, backend=b, progress=False, chunk=2)
""")


def test_sigkill_mid_sampling_then_resume(tmp_path, tiny_qwen2):
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        register_base_model(s, "tiny", str(tiny_qwen2))
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)

    proc = subprocess.Popen([sys.executable, str(script), str(db), str(tiny_qwen2)], start_new_session=True,
                            stdout=subprocess.PIPE, text=True)
    try:
        seen = 0
        for line in proc.stdout:  # kill -9 right after the 4th batch: mid-chunk or just after a commit
            seen += line.startswith("generated")
            if seen == 4:
                break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sampler finished before it could be killed"

    with Store(db) as s:
        partial = s.count("samples")
        assert partial % 2 == 0  # whole chunks only
    done = subprocess.run([sys.executable, str(script), str(db), str(tiny_qwen2)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with Store(db) as s:
        from emwatch.bench import build_prompts

        expected = sum(p.samples for p in build_prompts("em240", per_category=2, samples=2))
        assert s.count("samples") == expected > partial
        dup = s.df("SELECT count(*) n FROM (SELECT question_key, sample_index FROM samples GROUP BY ALL HAVING count(*) > 1)")
        assert dup.n[0] == 0
