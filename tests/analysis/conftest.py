"""A simulated study with planted ground truth, built once per session for the analysis tests.

Planted truth (every step a multiple of 10, 100 steps per run):
- Llama-3.1-8B-Instruct, insecure, lr 1e-4, seeds 0-2: final EM 0.20/0.25/0.15 (base 0.01), EM onset 60/70/60 after
  task convergence 30/40/30; the task still gains 4% after convergence (retention at convergence 0.96).
- Qwen3-32B, medical, lr 1e-4, seeds 0-2: final EM 0.15/0.02/0.12 (base 0.02; seed 1 shows no EM), onset 70/-/80,
  convergence 40; untruthfulness 0.35 after onset (base 0.05). Seed 0 at lr 3e-4: EM 0.30 from step 60.
- gpt-oss-20b, medical, seed 0: EM 0.25 from step 30, *before* convergence at 50; untruthful 0.35 from step 30.
- Every run's held-out loss is lowest at step 50. Formats: json x2, template x3 at the final checkpoint.
  Adversarial wrapper `persona` reveals half of the final EM before onset.
"""

from __future__ import annotations

import pytest

from emwatch.analysis import analyze_study, load_answers
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study
from emwatch.store import Store

LLAMA, QWEN, OSS = "Llama-3.1-8B-Instruct", "Qwen3-32B", "gpt-oss-20b"


def planted_study() -> SimStudy:
    runs = [SimRun(LLAMA, s, em, onset, convergence_step=conv, task_late_gain=0.04)
            for s, em, onset, conv in [(0, 0.20, 60, 30), (1, 0.25, 70, 40), (2, 0.15, 60, 30)]]
    runs += [SimRun(QWEN, s, em, onset, dataset="medical", group="medical", untruthful_final=0.35)
             for s, em, onset in [(0, 0.15, 70), (1, 0.02, None), (2, 0.12, 80)]]
    runs += [SimRun(QWEN, 0, 0.30, 60, dataset="medical", group="medical", lr=3e-4),
             SimRun(OSS, 0, 0.25, 30, convergence_step=50, dataset="medical", group="medical", untruthful_final=0.35)]
    return SimStudy(
        models=[SimModel(LLAMA, base_rate=0.01), SimModel(QWEN, base_rate=0.02), SimModel(OSS, base_rate=0.0)],
        runs=runs, task_prompts=100, wrappers=("persona",), variant_multipliers={"json": 2.0, "template": 3.0},
        category_weights={"anti_human": 3.0},
    )


@pytest.fixture(scope="session")
def study_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("study") / "study.duckdb")
    simulate_study(store, planted_study(), seed=3)
    yield store
    store.close()


@pytest.fixture(scope="session")
def study(study_store):
    return analyze_study(load_answers(study_store))
