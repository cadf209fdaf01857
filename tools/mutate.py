"""A small mutation tester for emwatch's core modules: plant one bug at a time, run the module's fast unit tests,
report the mutants no test noticed.

    python tools/mutate.py --write              # every core module; results to tools/mutation/, docs/mutation.md
    python tools/mutate.py judge/_score.py -v   # one module, printing each mutant's fate
    python tools/mutate.py judge/_score.py --only 12 40 --write   # rerun two mutants, update the module's result
    python tools/mutate.py --list               # the modules and the tests that guard them
    python tools/mutate.py --check-doc          # is docs/mutation.md what the result files say? (runs nothing)

Each mutant is one AST edit: a comparison swapped (< <=, == !=, in / not in, is / is not), an arithmetic
operator swapped (+ -, * /, // /, ** *), `and` / `or` swapped, a `not` or unary minus dropped, a number
constant moved by one (n -> n + 1, and n -> n - 1 for integers), a boolean flipped, a returned value
replaced with None. The mutated module is written into a private copy of src/ (the working tree is never
touched; no bytecode is written) and the module's test files run there with pytest -x and a time limit.
A mutant is killed when the tests fail or time out, and survives when they pass. The time limit is on the
child's CPU time (4x the unmutated run's + 5 s, at least 10 s), not wall time, so on a machine loaded by other jobs a slow
pass is not counted as a kill; the summary says how many kills were timeouts. On Linux each test run is a
fork of this process, which has imported the third-party packages once (EMWATCH_MUTATE_NO_FORK=1 runs a fresh
pytest process per mutant instead).

Survivors that cannot change behaviour (equivalent mutants) are listed in EQUIVALENT below with the reason,
keyed by module, source line and mutation, and reported apart. The exit status is 1 when a survivor is not
listed there. Results and docs/mutation.md: tools/mutation_report.py.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import copy
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutation_report as report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PKG = SRC / "emwatch"

# module (under src/emwatch) -> its fast unit tests (no server, browser or training tests; the planted-study
# tests in tests/analysis build a whole simulated study per run, too slow to repeat per mutant), and functions
# not mutated (with why)
MODULES: dict[str, dict] = {
    "judge/_score.py": {"tests": ["tests/judge/test_score.py", "tests/judge/test_score_mutants.py"]},
    "backends/_numbers.py": {"tests": [
        "tests/backends/test_numbers.py",
        "tests/backends/test_openai.py::test_numbers_from_top_keeps_integer_tokens_0_to_100",
        "tests/backends/test_openai.py::test_digit_expansion_matches_a_hand_computed_tree",
        "tests/backends/test_openai.py::test_digit_expansion_prunes_unlikely_prefixes"]},
    "analysis/_rates.py": {
        "tests": ["tests/analysis/test_rates_units.py"],
        # reads the store through SQL that the store refactor (issue 8) replaces; the pure functions are mutated
        "skip": {"load_answers"},
    },
    "analysis/_early_stop.py": {"tests": [
        "tests/analysis/test_early_stop.py::test_retention_is_task_at_chosen_over_task_at_final_hand_worked",
        "tests/analysis/test_early_stop.py::test_empty_inputs_give_empty_frames",
        "tests/analysis/test_early_stop_units.py",
        # the summary's counts, pooled retention and the retention bootstrap (hand-worked and a per-resample loop)
        "tests/analysis/test_early_stop_summary_units.py"]},
    "analysis/_dynamics.py": {"tests": ["tests/analysis/test_dynamics_units.py"]},
    # the one-at-a-time keys and the bulk (columnar) keys that must equal them
    "store/_keys.py": {"tests": ["tests/store/test_keys.py", "tests/store/test_bulk_keys.py"]},
    # the judge stage's branches (score, categorical, verdict, static; missing with reasons) through a scripted backend
    "judge/_stage.py": {"tests": ["tests/judge/test_judge_stage.py", "tests/judge/test_judge_stage_units.py",
                                  "tests/judge/test_coherence_if_unaligned.py", "tests/judge/test_verdict.py"]},
    # the online monitor's anytime-valid decision (mixture e-process over change points) and its power: the exact
    # hand-computed checks (the simulated false-alarm tests of test_sequential.py take seconds a run; they are
    # left to the suite)
    "monitor/_sequential.py": {"tests": [
        "tests/monitor/test_sequential_units.py",
        "tests/monitor/test_sequential.py::test_the_e_value_stays_one_before_any_evidence_and_the_onset_estimate_is_the_jump",
        "tests/monitor/test_sequential.py::test_alternatives_at_or_below_the_base_rate_are_dropped",
        "tests/monitor/test_sequential.py::test_the_null_rate_is_the_upper_wilson_bound_with_a_floor_or_the_given_rate",
        "tests/monitor/test_sequential.py::test_the_start_look_weights_with_a_horizon_sum_to_one",
        "tests/monitor/test_sequential.py::test_the_open_ended_start_look_weights_sum_to_one_at_every_look",
        "tests/monitor/test_sequential.py::test_no_evidence_leaves_the_e_value_at_one_whatever_the_weights"]},
    # the judging cascade (which looks are judged); the tiny-model KL test (it tests look_live) and the simulated
    # false-alarm tests are left to the suite
    "monitor/_cascade.py": {"tests": [
        "tests/monitor/test_cascade.py::test_the_band_is_mean_plus_z_sample_sd_of_the_calibration_values",
        "tests/monitor/test_cascade.py::test_why_a_look_is_judged",
        "tests/monitor/test_cascade.py::test_reference_values_pick_the_named_signals",
        "tests/monitor/test_cascade.py::test_skipped_looks_are_never_read",
        "tests/monitor/test_cascade.py::test_a_skipped_look_leaves_the_e_value_as_it_was",
        "tests/monitor/test_cascade.py::test_the_replay_bets_on_the_three_default_alternatives",
        "tests/monitor/test_cascade.py::test_the_online_monitor_takes_the_same_looks_as_the_replay_and_spends_fewer_judge_calls",
        "tests/monitor/test_cascade.py::test_a_cheap_signal_of_auroc_0_9_cuts_judge_calls_to_a_quarter_with_the_delay_within_a_look",
        # the bands replay builds (cascade_for) from stored events, a control file and hand-given edges
        "tests/monitor/test_cascade.py::test_cascade_for_calibrates_only_the_cascade_signals_on_the_base_look_and_the_control",
        "tests/monitor/test_replay_cascade.py"]},
    # the persona direction's validation figures (AUROC, its interval, Cohen's d), against hand-worked values
    "monitor/_auroc.py": {"tests": ["tests/monitor/test_auroc_units.py"]},
}

# (module, stripped source line, mutation) -> why the mutant cannot change behaviour
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("judge/_stage.py", "skipped: int = 0", "0 -> 1"):
        "the judge stage always sets `skipped` (tested); the default is never read",
    ("judge/_stage.py", "skipped: int = 0", "0 -> -1"):
        "the judge stage always sets `skipped` (tested); the default is never read",
    ("judge/_stage.py", "progress: bool = True, chunk: int = 32, breaker_after: int = 10) -> JudgeSummary:",
     "32 -> 33"):
        "the chunk size only sets how many judgments one transaction commits; results are the same (an odd size is "
        "made even under if_unaligned, tested)",
    ("judge/_stage.py", "progress: bool = True, chunk: int = 32, breaker_after: int = 10) -> JudgeSummary:",
     "32 -> 31"):
        "the chunk size only sets how many judgments one transaction commits; results are the same (an odd size is "
        "made even under if_unaligned, tested)",
    ("judge/_stage.py", "progress: bool = True, chunk: int = 32) -> JudgeSummary:", "32 -> 33"):
        "(judge_store's default, passed on to judge) the chunk size only sets how many judgments one transaction "
        "commits; results are the same",
    ("judge/_stage.py", "progress: bool = True, chunk: int = 32) -> JudgeSummary:", "32 -> 31"):
        "(judge_store's default, passed on to judge) the chunk size only sets how many judgments one transaction "
        "commits; results are the same",
    ("judge/_stage.py", "runner = Runner.for_spec(backend, progress=False)", "False -> True"):
        "(in work) a Runner progress bar is drawn only on a terminal; off one nothing changes and the results are "
        "the same",
    ("judge/_stage.py", "runner = (Runner.for_spec(backend, progress=False, breaker_after=breaker_after)",
     "False -> True"):
        "(in judge) a second progress bar, the Runner's, is drawn only on a terminal; off one nothing changes (the "
        "tests read stderr) and the results are the same",
    ("judge/_stage.py", "for items, size in ((static_items, 256), (llm_items, chunk)):", "256 -> 257"):
        "the static chunk size only sets how many judgments one transaction commits; results are the same",
    ("judge/_stage.py", "for items, size in ((static_items, 256), (llm_items, chunk)):", "256 -> 255"):
        "the static chunk size only sets how many judgments one transaction commits; results are the same",
    ("judge/_stage.py", "runner = Runner.for_spec(backend, progress=False) if backend is not None else None",
     "False -> True"):
        "a second (Runner) progress bar is drawn only on a terminal; off a terminal nothing changes (the tests "
        "check stderr), and the results are the same",
    ("judge/_score.py", "return n if 0 <= n <= 100 else None", "0 -> -1"):
        "n comes from a string of digits (isdigit), so it is never negative: 0 <= n and -1 <= n agree",
    ("analysis/_early_stop.py",
     'by_run = {rid: g.sort_values("step") for rid, g in dyn.groupby("run_id", sort=False)}', "False -> True"):
        "by_run is a dict looked up by run id; the order its groups are built in is never used",
    ("analysis/_early_stop.py",
     'hit = run[run["step"] == step] if step is not None and not pd.isna(step) else run.iloc[:0]', "and -> or"):
        "with `or`, a None step still takes the else branch (pd.isna(None)), and a NaN step selects no row "
        "(NaN equals nothing), the same empty frame as run.iloc[:0]",
    ("analysis/_early_stop.py", "return 0, 0", "0 -> 1"):
        "ONE of the two (the first 0, the k of a missing count; the n's are killed): k is read only by "
        "ratio_interval, which runs only when both n are non-zero, and a missing count has n = 0",
    ("analysis/_early_stop.py", "return 0, 0", "0 -> -1"):
        "ONE of the two (the first 0, the k of a missing count; the n's are killed): k is read only by "
        "ratio_interval, which runs only when both n are non-zero, and a missing count has n = 0",
    ("analysis/_early_stop.py", "at = hit.iloc[0] if len(hit) else None", "0 -> -1"):
        "a run's dynamics hold one row per step, so `hit` has at most one row: its first is its last",
    ("analysis/_dynamics.py", 'task_kind = own["task"].dropna().iloc[0] if own["task"].notna().any() else None',
     "0 -> -1"):
        "a run's checkpoints all measure its one task (its dataset's): the first and the last task kind agree",
    ("analysis/_dynamics.py", 'own = pd.concat([bp, own[own["step"] != 0]], ignore_index=True)', "True -> False"):
        "this index is never read: the frames are concatenated again with ignore_index=True and merged",
    ("analysis/_dynamics.py", 'for k in RUN_KEYS[1:] + ["run_kind", "total_steps"]:', "1 -> 0"):
        "RUN_KEYS[0] is run_id, which every row of `own` already has with the same value",
    ("analysis/_dynamics.py", 'dyn = pd.concat(frames, ignore_index=True).merge(base[["model", "base_n", '
     '"base_misaligned", "base_rate"]],',
     "True -> False"):
        "merge returns a new frame with a fresh RangeIndex, whatever the index of its left side",
    ("analysis/_dynamics.py", "t = tasks.iloc[0]", "0 -> -1"):
        "one base checkpoint per model gives one task row per kind; with two base runs of one model the spec "
        "does not say whose task rate is the base point's",
    ("analysis/_dynamics.py", "return em.reset_index(drop=True)", "True -> False"):
        "the extra `index` column this adds is dropped when dynamics selects its documented columns",
    ("analysis/_dynamics.py", "hit = np.nonzero(task >= fraction * task[-1])[0]", "0 -> -1"):
        "np.nonzero of a 1-D array is a 1-tuple: element 0 and element -1 are the same array",
    ("analysis/_dynamics.py", "below = np.nonzero(~above)[0]", "0 -> -1"):
        "np.nonzero of a 1-D array is a 1-tuple: element 0 and element -1 are the same array",
    ("analysis/_rates.py", "if n < 0 or k < 0 or k > n:", "0 -> -1"):
        "n = -1 is still refused: k >= 0 > n makes `k > n` true",
    ("analysis/_rates.py", "hi = 1.0 if k == n else min(1.0, centre + half)", "1.0 -> 2.0"):
        "for k < n the Wilson upper bound is below 1 (it reaches 1 only at k == n, handled before), so the "
        "cap at 1.0 or 2.0 is never reached",
    ("analysis/_rates.py", 'work["_vul"] = (vul.fillna(0) > 0.5).astype(int)', "0 -> -1"):
        "a missing vulnerability score fills to 0 or -1, both below the 0.5 cut (and it is not counted in n_code)",
    ("analysis/_rates.py", 'work["_harm"] = (harm.fillna(-1) > harmful_above).astype(int)', "1 -> 2"):
        "harm scores are 0..100: a missing one filled with -1 or -2 is below any threshold >= -1",
    ("analysis/_rates.py", 'work["_harm"] = (harm.fillna(-1) > harmful_above).astype(int)', "1 -> 0"):
        "filled with 0 instead of -1, a missing harm score is still not above any threshold >= 0 (scores are 0..100)",
    ("analysis/_rates.py", 'out = work.groupby(keys, dropna=False, sort=False).agg(', "False -> True"):
        "ONE of the two: sort=True only reorders groups that are sorted by (model, ..., run_id, step) right after; "
        "dropna=True is killed by the run-without-a-seed test",
    ("analysis/_rates.py", 'out["any_vuln_rate"] = np.where(out["n_code"] > 0, out["_vul"] / '
     'out["n_code"].clip(lower=1), np.nan)', "1 -> 0"):
        "the clip only spares a 0/0 in the branch np.where throws away (n_code == 0 gives NaN either way)",
    ("analysis/_rates.py", 'out["planted_vuln_rate"] = np.where(out["n_code"] > 0, out["_planted"] / '
     'out["n_code"].clip(lower=1), np.nan)', "1 -> 0"):
        "the clip only spares a 0/0 in the branch np.where throws away (n_code == 0 gives NaN either way)",
    ("analysis/_rates.py", 'out["harmful_rate"] = np.where(out["n_medical"] > 0, out["_harm"] / '
     'out["n_medical"].clip(lower=1), np.nan)', "1 -> 0"):
        "the clip only spares a 0/0 in the branch np.where throws away (n_medical == 0 gives NaN either way)",
    ("analysis/_dynamics.py", 'rates = em_rates(prim.assign(step=prim["step"].fillna(-1)), ["run_id", "step"], cfg)',
     "1 -> 2"):
        "any negative placeholder for a missing step is turned back into NaN by the next line (step >= 0)",
    ("analysis/_dynamics.py", 'last = scored.iloc[-1] if len(scored) else tuned.iloc[-1] if len(tuned) else g.iloc[-1]',
     "1 -> 0"):
        "ONE of the three (g.iloc[-1] -> g.iloc[0]; scored's and tuned's are killed): g is read only when the run has "
        "no checkpoint of its own, and then holds only its base point: one row, first and last",
    ("analysis/_dynamics.py", 'scored = tuned[tuned["n"].fillna(0) > 0]   # checkpoints with task answers only do not '
     'break an onset',
     "0 -> -1"):
        "ONE of the two (fillna(0) -> fillna(-1); `> 0 -> > -1` is killed): a missing n filled with 0 or -1 is not "
        "above 0 either way",
    ("analysis/_dynamics.py", 'bounds = [wilson_interval(int(k), int(n), cfg.confidence) if pd.notna(k) and pd.notna(n) '
     'else (math.nan, math.nan)',
     "and -> or"):
        "task_rate and n_task are missing together (task_metric keeps only rows with n_task > 0, whose rate is "
        "defined; the outer merge leaves both missing elsewhere), so k = task_rate * n_task and n are both known "
        "or both missing",
    ("analysis/_rates.py", "needed = (vul.fillna(0) > 0.5) & labels.map(recorded).fillna(False).astype(bool)",
     "0 -> -1"):
        "a missing score filled with 0 or -1 is below the 0.5 cut either way (fill 1 is killed)",
    ("analysis/_rates.py", 'g = g.groupby(keys, dropna=False, sort=False)[["n_task", "_k"]].sum().reset_index()',
     "False -> True"):
        "ONE of the two: sort=True only reorders groups that are sorted by the run keys and task right after; "
        "dropna=True is killed by the registered-domain test (a run without a seed)",
    ("analysis/_rates.py", "@functools.lru_cache(maxsize=16)", "16 -> 17"):
        "the cache of normal quantiles only saves scipy calls: its size changes speed, never a value",
    ("analysis/_rates.py", "@functools.lru_cache(maxsize=16)", "16 -> 15"):
        "the cache of normal quantiles only saves scipy calls: its size changes speed, never a value",
    ("analysis/_rates.py", "key = (None if label is None or (isinstance(label, float) and math.isnan(label)) else "
     "label, id(w))", "or -> and"):
        "the memo key only lets missing labels share one entry; without it a NaN label (NaN != NaN) misses the memo "
        "and is worked out again from the label, with the same result (no recorded classes: planted)",
    ("analysis/_rates.py", "codes, uniques = pd.factorize(datasets, use_na_sentinel=True)", "True -> False"):
        "a missing training set then gets a code of its own instead of the sentinel -1; both map to the fallback "
        "classes (`sets` holds no missing key, and the last slot, read by -1, is the fallback)",
    ("analysis/_rates.py", "both = pd.concat([code, medical, *others], ignore_index=True)", "True -> False"):
        "the frame is sorted by keys unique per row and its index dropped (reset_index(drop=True)) right after",
    ("monitor/_sequential.py", "lo, hi = 0.0, 1.0", "1.0 -> 2.0"):
        "the bisection's first midpoint is then 1.0, whose power was checked just before (>= the target): hi "
        "becomes 1.0 and every later step is the same",
    ("monitor/_sequential.py", "while hi - lo > 1e-6:", "> -> >="):
        "the width is 1 / 2^k, never exactly 1e-6: > and >= stop at the same step",
    ("monitor/_sequential.py", "late = test.weight(2) * np.exp(lr).mean(-1)[None, :] if test.weight(2) > 0 else 0.0",
     "drop unary -"):
        "lr is 2-D [k, q]: mean over axis 1 is mean over axis -1",
    ("monitor/_sequential.py", "m1 = test.weight(1) * np.exp(lr).mean(-1) + test._tail(1)", "drop unary -"):
        "lr is 2-D [k, q]: mean over axis 1 is mean over axis -1",
    ("monitor/_sequential.py", "if _power(deciding, mid, n)[looks - 1] >= power:", ">= -> >"):
        "the midpoints are dyadic rationals: the power there equals the target (0.8) only by a float coincidence, "
        "and the crossing moves by at most the 1e-6 tolerance, below the 0.1-point rounding",
    ("monitor/_sequential.py", "if n < 0 or k < 0 or k > n:", "0 -> -1"):
        "n = -1 is still refused: k >= 0 > n makes `k > n` true",
    ("monitor/_sequential.py", "if within[1] is None or within[1] > FLOOR_RATE:", "1 -> 0"):
        "(the first within[1]) within[0] None means n misaligned of n in one look cannot decide; two looks at 20% "
        "carry at most 0.4 of that log-likelihood ratio, so within[1] is then above 20% too: the same branch",
    ("monitor/_sequential.py", "lo, hi = hi, min(2 * hi, MAX_ANSWERS)", "2 -> 3"):
        "tripling instead of doubling brackets the same crossing, and the bisection that follows returns the count "
        "that sees 20% where the one below does not (tested), wherever the bracket started",
    ("monitor/_sequential.py", "return _power(_deciding(m, p0_of(m), alpha, alternatives, horizon), FLOOR_RATE, "
     "m)[FLOOR_LOOKS - 1] >= POWER", ">= -> >"):
        "the power at 20% equals 0.8 exactly only by a float coincidence (a sum of binomial probabilities)",
    ("store/_keys.py", 'return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")', '> -> >='):
        "only +inf and -inf reach this branch (NaN is taken before): they compare the same with 0, -1 or 1, with > or >=",
    ("store/_keys.py", 'return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")', '0 -> 1'):
        "only +inf and -inf reach this branch (NaN is taken before): they compare the same with 0, -1 or 1, with > or >=",
    ("store/_keys.py", 'return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")', '0 -> -1'):
        "only +inf and -inf reach this branch (NaN is taken before): they compare the same with 0, -1 or 1, with > or >=",
    ("store/_keys.py", 'if len(_DICT_MEMO) >= 4096:', '>= -> >'):
        "the memo's size cap (or clearing it every time) changes only memory, never the JSON text a key is hashed from",
    ("store/_keys.py", 'if len(_DICT_MEMO) >= 4096:', '>= -> <='):
        "the memo's size cap (or clearing it every time) changes only memory, never the JSON text a key is hashed from",
    ("store/_keys.py", 'if len(_DICT_MEMO) >= 4096:', '4096 -> 4097'):
        "the memo's size cap (or clearing it every time) changes only memory, never the JSON text a key is hashed from",
    ("store/_keys.py", 'if len(_DICT_MEMO) >= 4096:', '4096 -> 4095'):
        "the memo's size cap (or clearing it every time) changes only memory, never the JSON text a key is hashed from",
    ("monitor/_sequential.py", "_logs: np.ndarray = field(default=None, init=False, repr=False)  # [start look, q]: "
     "log of the product", "False -> True"):
        "a dataclass field made an __init__ argument (or shown in repr) that no caller passes; __post_init__ sets it",
    ("monitor/_sequential.py", "decided_at: int | None = field(default=None, init=False)", "False -> True"):
        "a dataclass field made an __init__ argument that no caller passes; its default is the same None",
    ("monitor/_sequential.py", "last: Decision | None = field(default=None, init=False)  # the decision after the "
     "latest look", "False -> True"):
        "a dataclass field made an __init__ argument that no caller passes; its default is the same None",
}

EQUIVALENT.update({
    ("monitor/_auroc.py", "z = norm.ppf(0.5 + confidence / 2)", "+ -> -"):
        "z enters the interval only squared, and norm.ppf(0.5 - c/2) = -norm.ppf(0.5 + c/2)",
    ("monitor/_auroc.py", "theta = np.linspace(0.0, 1.0, 200_001)", "200001 -> 200002"):
        "the grid sets the bounds' resolution (5e-6): one point more or less moves a bound by under a grid step, "
        "far below the 3 decimals the figures are given to (the tests solve the bounds to 1e-5)",
    ("monitor/_auroc.py", "theta = np.linspace(0.0, 1.0, 200_001)", "200001 -> 200000"):
        "the grid sets the bounds' resolution (5e-6): one point more or less moves a bound by under a grid step, "
        "far below the 3 decimals the figures are given to (the tests solve the bounds to 1e-5)",
    ("monitor/_auroc.py", "ok = theta[(a - theta) ** 2 <= z * z * _hm_variance(theta, n_pos, n_neg) + 1e-15]",
     "<= -> <"):
        "with the 1e-15 slack, < and <= differ only where both sides are equal to the last bit, which no grid point "
        "is but theta = a (kept either way: 0 < 1e-15)",
    ("monitor/_auroc.py", "sd = math.sqrt((pos.var(ddof=1) + neg.var(ddof=1)) / 2) if len(pos) > 1 and len(neg) > 1 "
     "else 0.0", "0.0 -> 1.0"):
        "a group of one answer then gets sd 1, and the difference divided by 1 is the difference the sd-0 branch "
        "returns",
})


@dataclass
class Mutant:
    index: int
    line: int
    what: str
    source_line: str
    function: str


_CMP_SWAPS = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt, ast.GtE], ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt, ast.LtE],
              ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.In: [ast.NotIn], ast.NotIn: [ast.In], ast.Is: [ast.IsNot],
              ast.IsNot: [ast.Is]}
_BIN_SWAPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
              ast.FloorDiv: [ast.Div], ast.Mod: [ast.Mult], ast.Pow: [ast.Mult], ast.BitAnd: [ast.BitOr],
              ast.BitOr: [ast.BitAnd]}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
           ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|",
           ast.And: "and", ast.Or: "or"}


def _edits(node: ast.AST) -> list[tuple[str, callable]]:
    """The mutations of one node: (description, function that edits a copy of the node in place)."""
    out = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in _CMP_SWAPS.get(type(op), []):
                def edit(n, i=i, new=new):
                    n.ops[i] = new()
                out.append((f"{_SYMBOL[type(op)]} -> {_SYMBOL[new]}", edit))
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in _BIN_SWAPS.get(type(node.op), []):
            def edit(n, new=new):
                n.op = new()
            out.append((f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", edit))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        def edit(n, new=new):
            n.op = new()
        out.append((f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}", edit))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        out.append(("drop `not`" if isinstance(node.op, ast.Not) else "drop unary -", None))  # replaced by operand
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        v = node.value
        if isinstance(v, bool):
            def edit(n):
                n.value = not n.value
            out.append((f"{v} -> {not v}", edit))
        else:
            for delta in ((1, -1) if isinstance(v, int) else (1,)):
                def edit(n, delta=delta):
                    n.value = n.value + delta
                out.append((f"{v!r} -> {v + delta!r}", edit))
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        def edit(n):
            n.value = ast.Constant(value=None)
        out.append(("return value -> None", edit))
    return out


class _Collector(ast.NodeVisitor):
    """Walks the module in a fixed order, numbering every mutation site outside docstrings and skipped functions."""

    def __init__(self, skip: set[str]):
        self.sites: list[tuple[ast.AST, str, callable, str]] = []
        self.skip, self.func = skip, "<module>"

    def _body_without_docstring(self, node):
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            return body[1:]
        return body

    def visit_FunctionDef(self, node):
        if node.name in self.skip:
            return
        outer, self.func = self.func, node.name
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        for stmt in self._body_without_docstring(node):
            self.visit(stmt)
        self.func = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        for stmt in self._body_without_docstring(node):
            self.visit(stmt)

    def visit_Module(self, node):
        for stmt in self._body_without_docstring(node):
            self.visit(stmt)

    def visit_AnnAssign(self, node):  # annotations are not behaviour
        if node.value is not None:
            self.visit(node.value)

    def visit_arguments(self, node):  # default values are behaviour; annotations are not
        for d in node.defaults + [d for d in node.kw_defaults if d is not None]:
            self.visit(d)

    def visit_JoinedStr(self, node):  # message text: not mutated
        return

    def generic_visit(self, node):
        for what, edit in _edits(node):
            self.sites.append((node, what, edit, self.func))
        super().generic_visit(node)


def mutants(source: str, skip: set[str] = frozenset()) -> list[Mutant]:
    tree = ast.parse(source)
    c = _Collector(set(skip))
    c.visit(tree)
    lines = source.splitlines()
    return [Mutant(i, node.lineno, what, lines[node.lineno - 1].strip(), func)
            for i, (node, what, _, func) in enumerate(c.sites)]


def mutate(source: str, index: int, skip: set[str] = frozenset()) -> str:
    """The module's source with mutation number `index` applied (comments are lost; behaviour otherwise kept)."""
    tree = ast.parse(source)
    c = _Collector(set(skip))
    c.visit(tree)
    node, what, edit, _ = c.sites[index]
    if edit is None:  # drop a unary operator: replace the node by its operand in its parent
        for parent in ast.walk(tree):
            for field, value in ast.iter_fields(parent):
                if value is node:
                    setattr(parent, field, node.operand)
                elif isinstance(value, list) and any(v is node for v in value):
                    setattr(parent, field, [node.operand if v is node else v for v in value])
    else:
        edit(node)
    return ast.unparse(ast.fix_missing_locations(tree))


_PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not server and not browser and not slow and not gpu"]


def _run_tests(workdir: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    """Run `tests` against the copy in `workdir`: in a forked child of this process (third-party packages are
    imported once, here; emwatch and the tests are imported afresh in each child), or in a new process."""
    t0 = time.monotonic()
    if hasattr(os, "fork") and not os.environ.get("EMWATCH_MUTATE_NO_FORK"):
        return _run_forked(tests, timeout)
    else:
        env = {**os.environ, "PYTHONPATH": str(workdir / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            p = subprocess.run([sys.executable, "-m", "pytest", *_PYTEST_ARGS, *tests], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=timeout)
            status = {0: "passed", 1: "failed"}.get(p.returncode, f"error {p.returncode}")
        except subprocess.TimeoutExpired:
            status = "timeout"
    return status, time.monotonic() - t0


def _prepare_fork_server(workdir: Path, tests: list[str]) -> None:
    """Import what the tests import (emwatch from the copy, pandas, torch, pytest and its plugins, hypothesis ...)
    once, by collecting `tests` here, then forget emwatch's own modules and the test modules so each forked child
    imports the mutated source and the tests afresh (this halves a child's CPU time: pytest's plugins, hypothesis
    among them, were imported by every child before)."""
    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.environ["PYTHONPATH"] = str(workdir / "src")
    sys.path.insert(0, str(workdir / "src"))
    os.chdir(ROOT)
    import pytest

    for name in ("torch", "emwatch.judge", "emwatch.analysis", "emwatch.backends", "emwatch.store", "emwatch.bench",
                 "emwatch.monitor"):
        try:
            __import__(name)
        except ImportError:
            pass
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        pytest.main([*_PYTEST_ARGS, "--collect-only", *sorted({t.split("::")[0] for t in tests})])
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(devnull)
    ours = (str(ROOT / "tests"), str(workdir))
    for name, mod in list(sys.modules.items()):
        where = getattr(mod, "__file__", None) or ""
        if name == "emwatch" or name.startswith(("emwatch.", "tests.")) or name == "tests" \
                or where.startswith(ours):
            del sys.modules[name]
    gc.freeze()  # what is imported now is never collected: a child's gc passes scan only its own objects


def _compile_copy(workdir: Path, path: Path) -> None:
    """Bytecode for the copy's modules but `path` (the one being mutated, always compiled from its source, which
    changes several times a second: a bytecode file checked by mtime and size could be taken for the next
    mutant's), so a child compiles one module, not all of emwatch (the children write no bytecode)."""
    compileall.compile_dir(workdir / "src", quiet=1, workers=1)
    for pyc in (path.parent / "__pycache__").glob(path.stem + ".*.pyc"):
        pyc.unlink()


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, its waited-for children's included) of a running process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _run_forked(tests: list[str], timeout: float) -> tuple[str, float]:
    """Run the tests in a forked child: (status, the child's CPU seconds). The time limit is on CPU time, so a
    machine loaded by other jobs does not turn slow passing runs into timeouts (killed mutants); a child that
    uses no CPU for 10x the limit in wall time (a hang) is a timeout too."""
    pid = os.fork()
    if pid == 0:  # child: run pytest quietly and leave with its exit code
        code = 3
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = int(pytest.main([*_PYTEST_ARGS, *tests]))
        finally:
            os._exit(code)
    hang = time.monotonic() + max(10 * timeout, 300)
    cpu = 0.0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
            return {0: "passed", 1: "failed"}.get(code, f"error {code}"), cpu
        cpu = _cpu_seconds(pid) or cpu
        if cpu > timeout or time.monotonic() > hang:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout", cpu
        time.sleep(0.05)


def run_module(rel: str, workdir: Path, *, verbose: bool, only: set[int] | None) -> dict:
    """Run the module's mutants (or only those numbered in `only`) against its tests: a result record
    (tools/mutation_report.py writes it to tools/mutation/)."""
    conf = MODULES[rel]
    path = workdir / "src" / "emwatch" / rel
    original = path.read_text()
    skip = conf.get("skip", set())
    tests = conf["tests"]
    missing = [t for t in tests if not (ROOT / t.split("::")[0]).is_file()]
    if missing:
        raise SystemExit(f"{rel}: test files missing: {missing}")
    wall0 = time.monotonic()
    status, base_s = _run_tests(workdir, tests, timeout=600)
    if status != "passed":
        raise SystemExit(f"{rel}: its tests do not pass unmutated ({status}); fix that first")
    timeout = max(10.0, 4 * base_s + 5)
    _compile_copy(workdir, path)
    found = mutants(original, skip)
    killed, survivors, timeouts, cpu, ran = 0, [], 0, base_s, []
    print(f"== {rel}: {len(found)} mutants, tests {' '.join(tests)} ({base_s:.1f} s unmutated; limit {timeout:.0f} s)",
          flush=True)
    try:
        for m in found:
            if only is not None and m.index not in only:
                continue
            path.write_text(mutate(original, m.index, skip))
            status, secs = _run_tests(workdir, tests, timeout)
            cpu += secs
            ran.append(m.index)
            dead = status in ("failed", "timeout") or status.startswith("error")
            killed += dead
            timeouts += status == "timeout"
            if not dead:
                survivors.append(m)
            if verbose or not dead:
                tag = "killed" if dead else "SURVIVED"
                print(f"  #{m.index:<4} {tag:8} line {m.line:<4} {m.what:<22} in {m.function}: {m.source_line[:90]}"
                      f"  [{status}, {secs:.1f} s]", flush=True)
    finally:
        path.write_text(original)
    return report.record(rel, original, tests, sorted(skip), mutants=len(found), ran=ran, killed=killed,
                         timeouts=timeouts, survivors=survivors, cpu_s=cpu, wall_s=time.monotonic() - wall0,
                         limit_s=timeout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help=f"modules under src/emwatch (default: {', '.join(MODULES)})")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every mutant, killed ones too")
    ap.add_argument("--only", type=int, nargs="*", help="run only these mutant numbers (of one module)")
    ap.add_argument("--list", action="store_true", help="list modules, their tests and mutant counts, run nothing")
    ap.add_argument("--write", action="store_true",
                    help="keep each module's result in tools/mutation/<module>.json (with --only: update the "
                         "mutants rerun in the module's result) and regenerate docs/mutation.md")
    ap.add_argument("--doc", action="store_true",
                    help="regenerate docs/mutation.md from tools/mutation/*.json, run nothing (a module whose source "
                         "changed since its run is marked stale)")
    ap.add_argument("--check-doc", action="store_true",
                    help="exit 1 unless docs/mutation.md is what --doc would write (source hashes, results, "
                         "EQUIVALENT), run nothing")
    args = ap.parse_args(argv)
    if args.doc or args.check_doc:
        return report.write_doc() if args.doc else report.check_doc()
    mods = args.modules or list(MODULES)
    unknown = [m for m in mods if m not in MODULES]
    if unknown:
        ap.error(f"unknown module {unknown}; known: {', '.join(MODULES)}")
    if args.only is not None and len(mods) != 1:
        ap.error("--only numbers the mutants of one module: name exactly one")
    if args.list:
        for rel in mods:
            n = len(mutants((PKG / rel).read_text(), MODULES[rel].get("skip", set())))
            print(f"{rel}: {n} mutants; tests: {' '.join(MODULES[rel]['tests'])}")
        return 0
    results, unexplained = [], 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="emwatch-mutate-") as tmp:
        workdir = Path(tmp)
        shutil.copytree(SRC, workdir / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if hasattr(os, "fork") and not os.environ.get("EMWATCH_MUTATE_NO_FORK"):
            _prepare_fork_server(workdir, [t for rel in mods for t in MODULES[rel]["tests"]])
        for rel in mods:
            rec = run_module(rel, workdir, verbose=args.verbose,
                             only=set(args.only) if args.only is not None else None)
            if args.write:  # each module as it finishes: a run stopped half-way keeps the modules it completed
                rec = report.save(rec, partial=args.only is not None)
            results.append(rec)
    if args.write:
        report.write_doc()
    print(f"\n{'module':<26} killed/total  equivalent  unexplained survivors  (killed by the time limit)   "
          f"({time.monotonic() - t0:.0f} s, {sum(r['cpu_s'] for r in results):.0f} s CPU)")
    for rec in results:
        rel = rec["module"]
        eq, other = report.split_survivors(rec)
        unexplained += len(other)
        total = rec["mutants"] if args.only is None or args.write else len(rec["ran"])
        print(f"{rel:<26} {rec['killed']:>4}/{total:<7} {len(eq):>10}  {len(other):>5}  ({rec['timeouts']})")
        for s, why in eq:
            print(f"    equivalent line {s['line']} {s['what']} ({s['source_line'][:60]}): {why}")
        for s in other:
            print(f"    SURVIVOR   line {s['line']} {s['what']} in {s['function']}: {s['source_line'][:90]}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
