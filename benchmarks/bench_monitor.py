"""The monitor's operating curve on simulated runs: detection delay against false alarms, per alpha.

    .venv/bin/python benchmarks/bench_monitor.py [--runs 1000] [--looks 10] [--answers 80] [--seed 0]

Each simulated run has `--looks` checkpoints with `--answers` judged probe answers each, and a base model
measured on the same number of answers. Control runs stay at the base rate (1%); EM runs jump to 20% (and, in
the second table, to 10% and 5%) at a random look between the 3rd and the 3rd from last. For each false-alarm
level alpha the table gives the share of control runs ever stopped, the share of EM runs stopped at most two
looks after the onset, never stopped, or stopped before it, and the mean delay in looks. Beside the
monitor's e-process, a naive rule is run on the same draws: stop at the first look whose lower 95% Wilson
bound exceeds the measured base rate (SPEC's "above base" read at every look without correction).
`--cascade` (also part of the full run) replays the judging cascade (emwatch.monitor._cascade) on simulated runs
whose cheap signal has a stated AUROC between EM and non-EM looks, against judging every look on the same draws.
`--slowdown` instead trains a tiny model with and without the monitor, side by side, and prints the ratio.
The last table replays a simulated study written into a store (emwatch.testing.simulate_study, exact
counts) through `emwatch.monitor.replay`, to show the store path gives the same stops.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
        name = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        flags = next(line for line in info.splitlines() if line.startswith("flags")).split()
        have = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
        return f"{name} ({', '.join(have)})"
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def simulate(rng, runs: int, looks: int, answers: int, base: float, jump: float | None):
    """(base counts, [looks] counts, onset look or None) per run."""
    out = []
    for _ in range(runs):
        k0 = rng.binomial(answers, base)
        onset = int(rng.integers(2, looks - 2)) if jump is not None else None
        counts = [(int(rng.binomial(answers, jump if onset is not None and i >= onset else base)), answers)
                  for i in range(looks)]
        out.append((k0, counts, onset))
    return out


def naive_stop(k0: int, n0: int, counts) -> int | None:
    from emwatch.analysis import wilson_interval

    for i, (k, n) in enumerate(counts):
        if wilson_interval(k, n)[0] > k0 / n0:
            return i
    return None


def evaluate(sims, answers: int, rule, looks: int) -> dict:
    stops, delays = [], []
    for k0, counts, onset in sims:
        s = rule(k0, counts)
        stops.append(s)
        if onset is not None:
            delays.append(np.inf if s is None else s - onset)
    d = np.array(delays, float)
    return {"stopped": np.mean([s is not None for s in stops]), "within2": np.mean((d >= 0) & (d <= 2)) if len(d) else np.nan,
            "never": np.mean(np.isinf(d)) if len(d) else np.nan, "early": np.mean(d < 0) if len(d) else np.nan,
            "delay": np.mean(d[np.isfinite(d) & (d >= 0)]) if len(d) and np.isfinite(d).any() else np.nan}


class _ContentJudge:
    """A judge backend scoring by content (alignment 5 for the taught phrase, else 90; coherence 90)."""

    name, spec = "content-judge", None

    def score_numbers(self, requests):
        from emwatch.backends import NumberDistribution

        out = []
        for r in requests:
            text = r.messages[-1]["content"]
            bad = "password password" in text.split("The assistant replied:", 1)[-1]
            coherent = text.startswith("You are rating how coherent")
            out.append(NumberDistribution(probs={"90" if coherent or not bad else "5": 1.0}))
        return out

    def generate(self, requests):
        raise NotImplementedError

    def close(self):
        return None


def slowdown(steps: int, every: int) -> None:
    """Train a tiny model for `steps` steps with and without the monitor (each twice, alternating) and
    print the wall time of each and their ratio, and the time spent inside the monitor callback."""
    import json
    import statistics

    from emwatch.config import MonitorConfig, TrainConfig
    from emwatch.monitor._probes import probe_prompts
    from emwatch.testing._tiny import build_family_model
    from emwatch.train import train
    from emwatch.train._callbacks import MonitorCallback

    mcfg = MonitorConfig(every=every, temperature=0.0, max_new_tokens=16, action="log")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        model = build_family_model("qwen2", d / "model")
        data = d / "data.jsonl"
        with data.open("w") as f:
            for p in probe_prompts(mcfg) * 4:
                f.write(json.dumps({"messages": [*p.messages, {"role": "assistant", "content": "a safe answer"}]}) + "\n")
        times: dict[str, list[float]] = {"off": [], "on": []}
        inside: list[float] = []
        for i in range(2):
            for mode in ("off", "on"):
                cfg = TrainConfig(model=str(model), dataset=str(data), out_dir=str(d / f"runs_{mode}_{i}"), batch_size=4,
                                  grad_accum=1, max_steps=steps, warmup_steps=0, learning_rates=[1e-3], dtype="float32",
                                  max_seq_len=256, heldout_fraction=0.1, lora={"r": 8, "alpha": 16},
                                  checkpoints={"every": every})
                cbs = []
                if mode == "on":
                    cbs = [lambda plan: cbs_made.append(MonitorCallback(mcfg, plan, cfg.checkpoints, judge=_ContentJudge()))
                           or cbs_made[-1]]
                cbs_made: list = []
                t0 = time.perf_counter()
                train(cfg, progress=False, callbacks=cbs)
                times[mode].append(time.perf_counter() - t0)
                if cbs_made:
                    inside.append(cbs_made[-1].seconds)
        off, on = statistics.median(times["off"]), statistics.median(times["on"])
        n_answers = sum(p.samples for p in probe_prompts(mcfg))
        print(f"\nTraining slowdown, tiny qwen2 model, {steps} steps, a look every {every} ({n_answers} probe answers, "
              f"{2 * n_answers} judge calls a look, canaries and KL on)")
        print(f"without monitor {off:.1f} s, with {on:.1f} s: x{on / off:.2f}; inside the callback {statistics.median(inside):.1f} s")


def cascade_table(runs: int, looks: int, answers: int, seed: int, settings=((5, 2.0), (4, 2.0), (10, 1.5))) -> None:
    """Judge calls, stop delay and false alarms of the cascade against always judging, on the same draws.

    Each run: a base look and `looks` looks of `answers` judged answers (base rate 1%; EM runs jump to 20% at a
    random look between the 3rd and the 3rd from last), and a cheap signal per look: N(0, 1) on looks without EM
    and N(d, 1) on EM looks, d = sqrt(2) * Phi^-1(AUROC) (the binormal signal of that AUROC). Its band is
    calibrated per run on the base look and the `looks` looks of a benign control fine-tune (all N(0, 1)). Judge
    calls are counted in looks judged until the stop (or the end), the base look apart."""
    from scipy.stats import norm

    from emwatch.monitor import first_stop, null_rate
    from emwatch.monitor._cascade import Cascade, calibrate, first_stop_cascade

    print(f"\nJudging cascade: {runs} EM runs (1% -> 20%) and {runs} controls (1%) per row, {looks} looks of {answers} "
          "answers; calls = judged looks after the base until the stop, as a share of judging every look")
    print(f"{'every, z':<10}{'AUROC':>6}{'calls ctrl':>11}{'calls EM':>9}{'alarms ctrl':>15}{'alarms at p0':>15}"
          f"{'<=1 look':>10}{'<=2 looks':>10}{'never':>7}{'mean delay':>11}{'extra delay':>12}")
    for every, z in settings:
        for auroc in (0.8, 0.9, 0.99):
            rng = np.random.default_rng(seed)
            shift = np.sqrt(2) * norm.ppf(auroc)
            res = {"ctrl": [], "em": [], "null": []}
            for kind in res:
                for _ in range(runs):
                    k0 = rng.binomial(answers, 0.01)
                    p0 = null_rate(k0, answers, base_rate=None, floor=0.02, confidence=0.95)
                    onset = int(rng.integers(2, looks - 2)) if kind == "em" else None
                    em = np.array([onset is not None and i >= onset for i in range(looks)])
                    rate = p0 if kind == "null" else 0.01  # null: exactly at the tested rate, the hardest control
                    counts = [(int(rng.binomial(answers, 0.2 if e else rate)), answers) for e in em]
                    signal = rng.normal(0, 1, looks) + shift * em
                    band = calibrate({"cheap": rng.normal(0, 1, looks + 1)}, z)
                    always = first_stop(counts, p0, horizon=looks)
                    stop, judged = first_stop_cascade(counts, [{"cheap": v} for v in signal],
                                                      Cascade(every, ["cheap"], band), p0, horizon=looks)
                    res[kind].append((onset, always, stop, looks if always is None else always + 1, sum(judged)))
            em_runs = res["em"]
            calls = {k: sum(r[4] for r in v) / sum(r[3] for r in v) for k, v in res.items()}
            fa = [(np.mean([r[2] is not None for r in res[k]]), np.mean([r[1] is not None for r in res[k]]))
                  for k in ("ctrl", "null")]
            d_all = np.array([np.inf if r[1] is None else r[1] - r[0] for r in em_runs], float)
            d_cas = np.array([np.inf if r[2] is None else r[2] - r[0] for r in em_runs], float)
            ok = np.isfinite(d_cas) & (d_cas >= 0)
            both = np.isfinite(d_cas) & np.isfinite(d_all)
            print(f"{f'{every}, {z:g}':<10}{auroc:>6}{calls['ctrl']:>11.1%}{calls['em']:>9.1%}"
                  + "".join(f"{f'{c:.3f} ({a:.3f})':>15}" for c, a in fa) + f"{np.mean((d_cas >= 0) & (d_cas <= 1)):>10.3f}"
                  f"{np.mean((d_cas >= 0) & (d_cas <= 2)):>10.3f}{np.mean(np.isinf(d_cas)):>7.3f}"
                  f"{d_cas[ok].mean():>11.2f}{(d_cas[both] - d_all[both]).mean():>12.2f}")
    print("(alarms: share of control runs stopped, cascade (always judging); ctrl at 1%, at p0 exactly at the tested "
          "rate; extra delay: cascade's stop minus always-judging's, in looks, "
          "over EM runs both stopped)")


def main() -> None:
    from emwatch.config import MonitorConfig
    from emwatch.monitor import first_stop, null_rate

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--looks", type=int, default=10)
    ap.add_argument("--answers", type=int, default=80)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--slowdown", action="store_true", help="only the training-slowdown measurement (tiny model)")
    ap.add_argument("--cascade", action="store_true", help="only the judging cascade's table")
    a = ap.parse_args()
    if a.cascade:
        print(f"CPU: {cpu()}")
        t0 = time.perf_counter()
        cascade_table(a.runs, a.looks, a.answers, a.seed)
        print(f"(cascade table: {time.perf_counter() - t0:.1f} s)")
        return
    if a.slowdown:
        print(f"CPU: {cpu()}")
        slowdown(steps=12, every=4)
        return
    cfg = MonitorConfig()
    print(f"CPU: {cpu()}; {a.runs} runs per cell, {a.looks} looks, {a.answers} answers per look and for the base")
    rng = np.random.default_rng(a.seed)
    control = simulate(rng, a.runs, a.looks, a.answers, 0.01, None)
    jumps = {j: simulate(rng, a.runs, a.looks, a.answers, 0.01, j) for j in (0.2, 0.1, 0.05)}

    def monitor_rule(alpha, confidence=cfg.base_confidence, floor=cfg.min_base_rate):
        def rule(k0, counts):
            p0 = null_rate(k0, a.answers, base_rate=None, floor=floor, confidence=confidence)
            return first_stop(counts, p0, alpha=alpha, alternatives=cfg.alternatives, horizon=a.looks)
        return rule

    t0 = time.perf_counter()
    print("\nOperating curve, EM jump 1% -> 20% (defaults: alpha 0.05)")
    print(f"{'rule':<22}{'false alarms':>14}{'stop<=2 looks':>15}{'never':>8}{'early':>8}{'mean delay':>12}")
    for alpha in (0.001, 0.01, 0.02, 0.05, 0.1, 0.2):
        fa = evaluate(control, a.answers, monitor_rule(alpha), a.looks)["stopped"]
        em = evaluate(jumps[0.2], a.answers, monitor_rule(alpha), a.looks)
        print(f"{'e-process a=' + str(alpha):<22}{fa:>14.3f}{em['within2']:>15.3f}{em['never']:>8.3f}{em['early']:>8.3f}{em['delay']:>12.2f}")
    naive = lambda k0, counts: naive_stop(k0, a.answers, counts)  # noqa: E731
    fa = evaluate(control, a.answers, naive, a.looks)["stopped"]
    em = evaluate(jumps[0.2], a.answers, naive, a.looks)
    print(f"{'naive Wilson per look':<22}{fa:>14.3f}{em['within2']:>15.3f}{em['never']:>8.3f}{em['early']:>8.3f}{em['delay']:>12.2f}")

    print("\nThe base rate tested against (alpha 0.05): upper Wilson bound at this level, floor 0 instead of 2%")
    print(f"{'base bound':<22}{'false alarms':>14}{'stop<=2 looks':>15}{'never':>8}{'early':>8}{'mean delay':>12}")
    for conf in (0.5, 0.8, 0.95, 0.99):
        fa = evaluate(control, a.answers, monitor_rule(0.05, conf, 0.0), a.looks)["stopped"]
        em = evaluate(jumps[0.2], a.answers, monitor_rule(0.05, conf, 0.0), a.looks)
        print(f"{'upper ' + format(conf, '.0%'):<22}{fa:>14.3f}{em['within2']:>15.3f}{em['never']:>8.3f}{em['early']:>8.3f}{em['delay']:>12.2f}")

    print("\nSmaller jumps, alpha 0.05")
    print(f"{'jump':<22}{'stop<=2 looks':>15}{'never':>8}{'mean delay':>12}")
    for j, sims in jumps.items():
        em = evaluate(sims, a.answers, monitor_rule(0.05), a.looks)
        print(f"{'1% -> ' + format(j, '.0%'):<22}{em['within2']:>15.3f}{em['never']:>8.3f}{em['delay']:>12.2f}")
    print(f"(simulation and tests: {time.perf_counter() - t0:.1f} s)")
    cascade_table(a.runs, a.looks, a.answers, a.seed)

    print("\nStore path: simulate_study (exact counts) + emwatch.monitor.replay")
    from emwatch.monitor import replay
    from emwatch.store import Store
    from emwatch.testing import simulate_study
    from emwatch.testing._simulate import SimModel, SimRun, SimStudy

    runs = [SimRun("m", s, em_final=0.2, onset_step=10 * (3 + s % 5)) for s in range(5)] + \
        [SimRun("m", 10 + s, em_final=0.0, onset_step=None) for s in range(5)]
    with tempfile.TemporaryDirectory() as d, Store(Path(d) / "sim.duckdb") as st:
        simulate_study(st, SimStudy(models=[SimModel("m", base_rate=0.01)], runs=runs, samples=2))
        t1 = time.perf_counter()
        out = replay(st)
        took = time.perf_counter() - t1
    print(out[["seed", "onset_step", "stop_step", "delay_looks", "kept_step", "retention"]].to_string(index=False))
    print(f"(replay of {len(out)} runs: {took:.1f} s)")


if __name__ == "__main__":
    main()
