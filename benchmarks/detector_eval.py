"""Three vulnerability detectors side by side on a labelled corpus they were not built from.

    .venv/bin/python benchmarks/detector_eval.py [CORPUS] [--semgrep PATH | --no-semgrep] [--format table|json|md]
                                                 [--show-errors emwatch|bandit|semgrep]

CORPUS defaults to tests/detector_corpus (one program per file, labelled on its first line; see
emwatch/scan/_eval.py). Detectors: emwatch's (scan/_scan.find_vulnerabilities: its own AST checks
plus Bandit, with its vetoes), Bandit alone (its medium+ findings mapped to emwatch's classes), and Semgrep with
the rules this project wrote (tools/semgrep/*.yaml), run offline (`--metrics=off`, local config only) from
its own virtual environment (default .venv-semgrep/bin/semgrep; make one with
`python -m venv .venv-semgrep && .venv-semgrep/bin/pip install semgrep`: Semgrep pins old versions of
click, protobuf and OpenTelemetry, so it does not go into .venv).

Per class: recall (vulnerable programs whose finding has the class and lies within ±2 lines of the labelled
sink), precision (programs reported with the class that are hits) and the share of safe near misses flagged
with anything. The totals row gives the share of all safe programs flagged. Every program is read as text;
nothing is executed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from emwatch.scan import CLASSES, find_vulnerabilities  # noqa: E402
from emwatch.scan import Evaluation, Snippet, evaluate, load_corpus, run_detector  # noqa: E402

RULES = ROOT / "tools" / "semgrep"
DETECTORS = ("emwatch", "bandit", "semgrep")


def emwatch_detector(code: str) -> list[tuple[str, int]]:
    return [(f.vuln_class, f.line) for f in find_vulnerabilities(code)]


def bandit_detector(code: str) -> list[tuple[str, int]]:
    return [(f.vuln_class, f.line) for f in find_vulnerabilities(code, use_own=False)]


def semgrep_findings(corpus: list[Snippet], semgrep: str, rules: Path = RULES,
                     saved: Path | None = None) -> dict[Path, list[tuple[str, int]]]:
    """Semgrep over every program at once (files named explicitly: its default ignore list skips tests/),
    offline, with the project's rules only. Each rule's metadata.class is the class of its findings.
    `saved`: read the JSON of an earlier run of that command instead of running it."""
    if saved is not None:
        return _semgrep_classes(corpus, json.loads(saved.read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [semgrep, "scan", "--config", str(rules), "--metrics=off", "--disable-version-check", "--quiet",
               "--json", "--output", str(out), "-j", str(os.cpu_count() or 1), "--timeout", "30",
               *[str(s.path) for s in corpus]]
        done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "SEMGREP_SEND_METRICS": "off"})
        if not out.exists():
            raise SystemExit(f"semgrep failed ({done.returncode}): {done.stderr[-2000:]}")
        data = json.loads(out.read_text())
    return _semgrep_classes(corpus, data)


def _semgrep_classes(corpus: list[Snippet], data: dict) -> dict[Path, list[tuple[str, int]]]:
    if data.get("errors"):
        print(f"semgrep reported {len(data['errors'])} errors; first: {data['errors'][0].get('message', '')[:300]}",
              file=sys.stderr)
    found: dict[Path, list[tuple[str, int]]] = {}
    for r in data["results"]:
        cls = r["extra"]["metadata"]["class"]
        found.setdefault(Path(r["path"]).resolve(), []).append((cls, r["start"]["line"]))
    return {s.path: found.get(s.path.resolve(), []) for s in corpus}


def rows(results: dict[str, Evaluation], corpus: list[Snippet]) -> list[dict]:
    classes = sorted({s.cls for s in corpus}, key=CLASSES.index)
    out = []
    for cls in classes:
        row = {"class": cls}
        for name, ev in results.items():
            c = ev.per_class.get(cls)
            row[f"{name}_recall"] = c.recall if c else None
            row[f"{name}_precision"] = c.precision if c else None
            row[f"{name}_safe_flagged"] = c.safe_flagged / c.n_safe if c and c.n_safe else None
        first = next(iter(results.values())).per_class[cls]
        row["n_vulnerable"], row["n_safe"] = first.n_vulnerable, first.n_safe
        out.append(row)
    total = {"class": "ALL", "n_vulnerable": sum(s.label == "vulnerable" for s in corpus),
             "n_safe": sum(s.label == "safe" for s in corpus)}
    for name, ev in results.items():
        total |= {f"{name}_recall": ev.recall, f"{name}_precision": ev.precision,
                  f"{name}_safe_flagged": ev.safe_flagged_share}
    return out + [total]


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:5.1f}"


def print_table(table: list[dict], names: list[str], markdown: bool) -> None:
    head = ["class", "vuln", "safe"] + [f"{n} {m}" for n in names for m in ("R%", "P%", "safeFP%")]
    body = [[r["class"], str(r["n_vulnerable"]), str(r["n_safe"])]
            + [_pct(r.get(f"{n}_{m}")) for n in names for m in ("recall", "precision", "safe_flagged")] for r in table]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for b in body:
            print("| " + " | ".join(b) + " |")
        return
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    for line in [head, *body]:
        print("  ".join(x.rjust(w) if i else x.ljust(w) for i, (x, w) in enumerate(zip(line, widths))))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=str(ROOT / "tests" / "detector_corpus"))
    ap.add_argument("--semgrep", default=None, help="semgrep executable (default .venv-semgrep/bin/semgrep, then PATH)")
    ap.add_argument("--no-semgrep", action="store_true")
    ap.add_argument("--semgrep-json", type=Path, default=None, help="reuse the JSON output of an earlier Semgrep run")
    ap.add_argument("--format", choices=("table", "json", "md"), default="table")
    ap.add_argument("--show-errors", choices=DETECTORS, default=None, help="list the misses and false positives")
    args = ap.parse_args(argv)
    corpus = load_corpus(args.corpus, CLASSES)
    results: dict[str, Evaluation] = {}
    seconds = {}
    for name, det in (("emwatch", emwatch_detector), ("bandit", bandit_detector)):
        t0 = time.perf_counter()
        results[name] = evaluate(corpus, run_detector(corpus, det))
        seconds[name] = time.perf_counter() - t0
    if not args.no_semgrep:
        exe = "saved" if args.semgrep_json else args.semgrep or next((p for p in (str(ROOT / ".venv-semgrep" / "bin" / "semgrep"), shutil.which("semgrep"))
                                    if p and Path(p).exists()), None)
        if exe is None:
            raise SystemExit("no semgrep: make .venv-semgrep (see the docstring) or pass --no-semgrep")
        t0 = time.perf_counter()
        results["semgrep"] = evaluate(corpus, semgrep_findings(corpus, exe, saved=args.semgrep_json))
        seconds["semgrep"] = time.perf_counter() - t0
    table = rows(results, corpus)
    if args.format == "json":
        print(json.dumps({"corpus": str(args.corpus), "programs": len(corpus), "rows": table,
                          "seconds": seconds, "cpu": cpu_name()}, indent=2))
    else:
        print(f"{len(corpus)} programs in {args.corpus}; R = recall, P = precision, safeFP = safe near misses flagged")
        print_table(table, list(results), args.format == "md")
        print(f"seconds: {', '.join(f'{k} {v:.1f}' for k, v in seconds.items())} on {cpu_name()}")
    if args.show_errors:
        ev = results[args.show_errors]
        for s in ev.missed:
            print(f"MISS {s.path} {s.cls} line {s.line}")
        for s, got in ev.false_positives:
            print(f"FP   {s.path} ({s.cls}) {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
