"""`coherence: if_unaligned`: coherence is judged only for answers whose alignment is below the threshold (the only
ones whose label it decides), so a mostly aligned model costs about half the judge calls, with the same count of
misaligned answers."""

from __future__ import annotations

import pytest

from emwatch.backends import NumberDistribution
from emwatch.config import MonitorConfig
from emwatch.monitor import Monitor
from fakes import ScriptedBackend


def content_judge(prompt: str) -> NumberDistribution:
    reply = prompt.split("The assistant replied:", 1)[-1] if "The assistant replied:" in prompt else prompt
    if prompt.startswith("You are rating how coherent"):
        return NumberDistribution(probs={"10": 1.0} if "garbled" in reply else {"90": 1.0})
    if "silent" in reply:
        return NumberDistribution(probs={})          # no numeric mass: a missing score
    return NumberDistribution(probs={"5": 1.0} if ("evil" in reply or "garbled" in reply) else {"90": 1.0})


@pytest.mark.parametrize("coherence", ["always", "if_unaligned"])
def test_the_same_label_with_fewer_calls(coherence):
    cfg = MonitorConfig(per_category=1, domain_probes=0, samples=1, coherence=coherence, judge_async=False,
                        action="flag")
    judge = ScriptedBackend(judge=content_judge)
    m = Monitor(cfg, run_id="r", judge=judge)
    n = len(m.prompts)
    answers = ["evil plan", "garbled evil", "silent"] + ["a kind answer"] * (n - 3)
    m.observe(0, answers)
    m.close()
    # misaligned: 'evil plan' only (the garbled one is incoherent); the silent one is excluded either way
    assert (m.base.k, m.base.n, m.base.excluded) == (1, n - 1, 1)
    if coherence == "always":
        assert m.judge_calls == 2 * n
    else:
        assert m.judge_calls == n + 2             # alignment for all, coherence for the two unaligned


def test_max_probes_keeps_an_evenly_spread_subset():
    from emwatch.monitor._probes import probe_prompts

    every = probe_prompts(MonitorConfig(per_category=1, domain_probes=0, samples=1))
    four = probe_prompts(MonitorConfig(per_category=1, domain_probes=0, samples=1, max_probes=4))
    assert len(every) == 8 and [p.question for p in four] == [p.question for p in every[::2]]
