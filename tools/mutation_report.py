"""The mutation run's results, one file per module, and docs/mutation.md generated from them.

`tools/mutate.py --write` keeps each module's result in tools/mutation/<module>.json: the module's source hash, its
tests, mutant, killed and timeout counts, every survivor, the CPU and wall time, and when, where (CPU, load
average) and at which commit it ran. docs/mutation.md is rendered from those files, the tests each module maps to
and the equivalent mutants listed in tools/mutate.py (EQUIVALENT), around the prose of
tools/mutation/template.md. A module whose source no longer hashes to its result's (or whose tests changed) is
marked stale in the doc, so `--check-doc` (render, compare, run nothing: well under a second) fails as soon as a
mutated module changes without the doc saying so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "emwatch"
RESULTS = Path(__file__).resolve().parent / "mutation"
TEMPLATE = RESULTS / "template.md"
DOC = ROOT / "docs" / "mutation.md"


def _config():
    """MODULES and EQUIVALENT of tools/mutate.py (imported here, not at the top: mutate.py imports this module)."""
    import mutate

    return mutate.MODULES, mutate.EQUIVALENT


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def result_path(rel: str) -> Path:
    return RESULTS / (rel.removesuffix(".py").replace("/", ".") + ".json")


def _cpu_name() -> str:
    """The CPU's model name, core count and the vector flags timings here depend on (bf16 and AMX above all)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return f"unknown CPU, {os.cpu_count()} cores"
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    have = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name}, {os.cpu_count()} cores, {'/'.join(have) or 'no avx2'}" + ("" if "amx_bf16" in flags else ", no AMX")


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "tests"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(rel: str, source: str, tests: list[str], skip: list[str], *, mutants: int, ran: list[int], killed: int,
           timeouts: int, survivors: list, cpu_s: float, wall_s: float, limit_s: float) -> dict:
    """One module's run as a JSON-able record (survivors are tools/mutate.py's Mutant objects)."""
    return {
        "module": rel, "source_sha256": source_hash(source), "tests": list(tests), "skip": list(skip),
        "mutants": mutants, "ran": ran, "killed": killed, "timeouts": timeouts,
        "survivors": [{"index": s.index, "line": s.line, "what": s.what, "function": s.function,
                       "source_line": s.source_line} for s in survivors],
        "cpu_s": round(cpu_s, 1), "wall_s": round(wall_s, 1), "limit_s": round(limit_s, 1),
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": _commit(),
        "cpu": _cpu_name(), "load_avg": round(os.getloadavg()[0], 1),
    }


def load(rel: str) -> dict | None:
    p = result_path(rel)
    return json.loads(p.read_text()) if p.is_file() else None


def save(rec: dict, *, partial: bool) -> dict:
    """Write a module's record. A partial run (--only) updates the module's full result: the mutants it reran
    replace their earlier fate. It needs a full result of the same source whose tests are all still among the
    module's tests (tests added since can only kill more, so the earlier kills stand; the record then names the
    longer list)."""
    if partial:
        old = load(rec["module"])
        if old is None or old["source_sha256"] != rec["source_sha256"] or not set(old["tests"]) <= set(rec["tests"]):
            raise SystemExit(f"{rec['module']}: --only --write updates a full result of the same source whose tests "
                             f"are all still run, and {result_path(rec['module'])} is missing or older: run the whole "
                             f"module first")
        ran = set(rec["ran"])
        survivors = sorted([s for s in old["survivors"] if s["index"] not in ran] + rec["survivors"],
                           key=lambda s: s["index"])
        rerun = {"when": rec["when"], "commit": rec["commit"], "mutants": sorted(ran),
                 "killed": rec["killed"], "cpu_s": rec["cpu_s"], "load_avg": rec["load_avg"]}
        if rec["tests"] != old["tests"]:
            rerun["tests_added"] = [t for t in rec["tests"] if t not in old["tests"]]
        rec = {**old, "tests": rec["tests"], "survivors": survivors, "killed": old["mutants"] - len(survivors),
               "reruns": old.get("reruns", []) + [rerun]}
    RESULTS.mkdir(exist_ok=True)
    out = {k: v for k, v in rec.items() if k != "ran"}
    result_path(rec["module"]).write_text(json.dumps(out, indent=1) + "\n")
    return rec


def split_survivors(rec: dict) -> tuple[list[tuple[dict, str]], list[dict]]:
    """(equivalent survivors with why, unexplained survivors) of a record, by EQUIVALENT today."""
    _, equivalent = _config()
    eq, other = [], []
    for s in rec["survivors"]:
        why = equivalent.get((rec["module"], s["source_line"], s["what"]))
        (eq.append((s, why)) if why else other.append(s))
    return eq, other


def _state(rel: str, rec: dict | None, modules: dict) -> str:
    if rec is None:
        return "**not run**"
    source = (PKG / rel).read_text()
    if rec["source_sha256"] != source_hash(source):
        return "**stale**: the source changed since this run"
    if rec["tests"] != modules[rel]["tests"] or rec.get("skip", []) != sorted(modules[rel].get("skip", set())):
        return "**stale**: its tests changed since this run"
    return "current"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """docs/mutation.md from the template, the result files, MODULES and EQUIVALENT."""
    modules, _ = _config()
    recs = {rel: load(rel) for rel in modules}
    summary = ["| module | mutants | killed | of which by the time limit (the limit, CPU s) | equivalent | "
               "unexplained survivors | CPU s | wall s | run | state |", "|---|---|---|---|---|---|---|---|---|---|"]
    equivalent_rows, unexplained_rows, cpu_total, runs = [], [], 0.0, []
    for rel, rec in recs.items():
        state = _state(rel, rec, modules)
        if rec is None:
            summary.append(f"| `{rel}` | – | – | – | – | – | – | – | – | {state} |")
            continue
        eq, other = split_survivors(rec)
        cpu = rec["cpu_s"] + sum(r["cpu_s"] for r in rec.get("reruns", []))
        cpu_total += rec["cpu_s"]
        reruns = rec.get("reruns", [])
        run = f"{rec['when']}, `{rec['commit']}`, load {rec['load_avg']}"
        if reruns:
            run += f"; {sum(len(r['mutants']) for r in reruns)} survivors rerun after new tests (last {reruns[-1]['when']})"
        summary.append(f"| `{rel}` | {rec['mutants']} | {rec['killed']} | {rec['timeouts']} ({rec['limit_s']:g}) "
                       f"| {len(eq)} | {len(other)} | {cpu:.0f} | {rec['wall_s']:.0f} | {run} | {state} |")
        runs.append(rec)
        for s, why in eq:
            equivalent_rows.append(f"| `{rel}` | {s['line']} | `{_cell(s['source_line'])}` | `{_cell(s['what'])}` "
                                   f"| {_cell(why)} |")
        for s in other:
            unexplained_rows.append(f"| `{rel}` | {s['line']} (#{s['index']}, in `{s['function']}`) "
                                    f"| `{_cell(s['source_line'])}` | `{_cell(s['what'])}` |")
    machines = sorted({r["cpu"] for r in runs})
    loads = [r["load_avg"] for r in runs]
    timing = (f"A run of the modules recorded here takes about {cpu_total / 60:.0f} minutes of CPU (the test "
              f"runs' CPU time in each module's full run, reruns of survivors apart; measured on "
              f"{', '.join(machines)}, under `nice -n 19` at a 1-minute load average of {min(loads)} to {max(loads)} "
              f"when each module ended, so the wall time says more about the other jobs than about this one). The "
              f"run column gives the commit when the module's run ended." if runs else "No module has been run yet.")
    tests = ["| module | tests | not mutated |", "|---|---|---|"]
    for rel, conf in modules.items():
        tests.append(f"| `{rel}` | {', '.join(f'`{t}`' for t in conf['tests'])} | "
                     f"{', '.join(f'`{f}`' for f in sorted(conf.get('skip', ()))) or '–'} |")
    equivalent = (["| module | line | source | mutation | why no test can see it |", "|---|---|---|---|---|"]
                  + equivalent_rows) if equivalent_rows else ["None."]
    unexplained = (["| module | line | source | mutation |", "|---|---|---|---|"] + unexplained_rows
                   if unexplained_rows else ["None: every survivor of the recorded runs is listed as equivalent."])
    text = TEMPLATE.read_text()
    for key, value in {"summary": "\n".join(summary), "timing": timing, "tests": "\n".join(tests),
                       "equivalent": "\n".join(equivalent), "unexplained": "\n".join(unexplained)}.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def write_doc() -> int:
    DOC.write_text(render())
    print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


def check_doc() -> int:
    """0 when docs/mutation.md is what write_doc would write; else 1, saying which modules are stale."""
    modules, _ = _config()
    stale = {rel: s for rel in modules if (s := _state(rel, load(rel), modules)) != "current"}
    for rel, why in stale.items():
        print(f"{rel}: {why.replace('**', '')}")
    if DOC.is_file() and DOC.read_text() == render():
        print(f"{DOC.relative_to(ROOT)} is current" + (" (it marks the modules above)" if stale else ""))
        return 0
    print(f"{DOC.relative_to(ROOT)} is not what tools/mutate.py --doc would write: rerun the changed modules "
          "(tools/mutate.py MODULE --write) or at least regenerate the doc (tools/mutate.py --doc)")
    return 1
