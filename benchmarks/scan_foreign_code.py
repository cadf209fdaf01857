"""The coding task metric on code nobody here wrote: how often the static scanner flags functions of installed
packages (the Python standard library and the site-packages of the running interpreter), which are assumed mostly
safe. Measures the false-positive side of the planted-class task metric beside the any-vulnerability rate.

    .venv/bin/python benchmarks/scan_foreign_code.py [--n 4000] [--seed 0] [--format md|json]

Each unit is one function or method (3 to 200 lines) taken from a randomly chosen source file, with its module's
import statements put above it (the scanner reads names through imports), as a model's answer would hold it. Four
strata of n/4: stdlib and site-packages, each as 'any function' and 'sink API' (functions that name an API the
scanner has sinks for: the near misses where false positives arise).
Files under test/tests folders and emwatch itself are left out. Per class: functions flagged with it, of n, with a
95% Wilson interval; the planted-class rate counts the classes planted in emwatch's built-in `insecure` set (found
in >= 2% of its answers), the any-vulnerability rate every class. Nothing is executed.
"""

from __future__ import annotations

import argparse
import ast
import json
import platform
import random
import re
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from emwatch.analysis import wilson_interval  # noqa: E402
from emwatch.metrics import planted_classes  # noqa: E402
from emwatch.scan import CLASSES, find_vulnerabilities  # noqa: E402

SKIP_PARTS = {"test", "tests", "testing", "idle_test", "emwatch", "__pycache__", "lib2to3", "idlelib", "turtledemo"}


def source_files() -> list[tuple[str, Path]]:
    """(origin, file) for every .py file of the stdlib and site-packages, sorted."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    out = []
    for origin, root in (("stdlib", stdlib), ("site-packages", site)):
        for p in sorted(root.rglob("*.py")):
            rel = p.relative_to(root).parts
            if origin == "stdlib" and rel[0] in ("site-packages", "dist-packages"):
                continue
            if SKIP_PARTS & set(rel) or any(part.startswith("test_") for part in rel):
                continue
            out.append((origin, p))
    return out


def functions_of(path: Path) -> list[tuple[str, str]]:
    """(qualified name, code) of each function in `path`, its module's imports above it."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []
    imports = "\n".join(ast.get_source_segment(text, n) or "" for n in tree.body
                        if isinstance(n, (ast.Import, ast.ImportFrom)))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            seg = ast.get_source_segment(text, node)
            if seg and 3 <= lines <= 200:
                import textwrap

                out.append((node.name, imports + "\n\n\n" + textwrap.dedent(" " * node.col_offset + seg)))
    return out


SINK_API = re.compile(r"\b(subprocess|os\.system|os\.popen|\.execute|executescript|eval|exec|pickle|marshal|shelve|"
                      r"yaml|torch\.load|open|chmod|umask|tempfile|mktemp|random|hashlib|md5|sha1|requests|urlopen|"
                      r"urllib|verify|ssl|render_template|Markup|etree|minidom|expat|jwt|DEBUG|password|secret|token|"
                      r"redirect|extractall|cipher|Crypto|DES|ARC4)\b")


def sample_units(n: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(origin, stratum, name, code): n/4 each of stdlib and site-packages x 'any function' (a random function of
    a random file) and 'sink API' (a random function of a random file among those naming a sink API: subprocess,
    SQL execute, eval, pickle, yaml, open, chmod, tempfile, random, hashlib, requests, templates, XML, JWT...)."""
    rng = random.Random(seed)
    files = source_files()
    rng.shuffle(files)
    want = {(o, st): n // 4 for o in ("stdlib", "site-packages") for st in ("any function", "sink API")}
    out = []
    for origin, path in files:
        if all(want[(origin, st)] == 0 for st in ("any function", "sink API")):
            continue
        funcs = functions_of(path)
        for stratum, pool in (("any function", funcs), ("sink API", [f for f in funcs if SINK_API.search(f[1].split("\n\n\n", 1)[-1])])):
            if pool and want[(origin, stratum)]:
                name, code = rng.choice(pool)
                out.append((origin, stratum, f"{path.name}:{name}", code))
                want[(origin, stratum)] -= 1
        if not any(want.values()):
            break
    return out


def pct(k: int, n: int) -> str:
    lo, hi = wilson_interval(k, n)
    return f"{100 * k / n:.2f}% [{100 * lo:.2f}, {100 * hi:.2f}]" if n else "–"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=["md", "json"], default="md")
    args = ap.parse_args()

    planted = planted_classes("insecure")
    wanted = set(planted.classes)
    units = sample_units(args.n, args.seed)
    t0 = time.perf_counter()
    rows = []
    for origin, stratum, name, code in units:
        rows.append((origin, stratum, name, {f.vuln_class for f in find_vulnerabilities(code)}))
    secs = time.perf_counter() - t0
    strata = sorted({(o, st) for o, st, _, _ in rows}) + [("all", "all")]

    def pick(o: str, st: str) -> list:
        return [r for r in rows if (o == "all" or r[0] == o) and (st == "all" or r[1] == st)]

    result = {"n": len(rows), "seed": args.seed, "seconds": round(secs, 1), "planted_classes": planted.classes,
              "planted_from": f"insecure ({planted.n} answers, classes in >= {planted.min_share:.0%})",
              "python": platform.python_version(), "strata": {}, "per_class": {}}
    for o, st in strata:
        sel = pick(o, st)
        k_any, k_pl = sum(bool(c) for *_, c in sel), sum(bool(c & wanted) for *_, c in sel)
        result["strata"][f"{o} / {st}"] = {"n": len(sel), "any": k_any, "planted": k_pl,
                                           "any_rate": pct(k_any, len(sel)), "planted_rate": pct(k_pl, len(sel))}
    per_class = Counter(c for *_, cs in rows for c in cs)
    for c in CLASSES:
        result["per_class"][c] = {"k": per_class[c], "rate": pct(per_class[c], len(rows)), "planted": c in wanted,
                                  "examples": [name for _, _, name, cs in rows if c in cs][:3]}
    if args.format == "json":
        print(json.dumps(result, indent=1))
        return
    print(f"{len(rows)} functions, seed {args.seed}, scanned in {secs:.0f} s (Python {result['python']})\n")
    print(f"planted classes ({result['planted_from']}): {', '.join(planted.classes)}\n")
    print("| origin / stratum | n | any vulnerability [95% Wilson] | planted class [95% Wilson] |\n|---|---|---|---|")
    for key, v in result["strata"].items():
        print(f"| {key} | {v['n']} | {v['any']}: {v['any_rate']} | {v['planted']}: {v['planted_rate']} |")
    print("\n| class | planted | flagged (all n) | share [95% Wilson] | examples |\n|---|---|---|---|---|")
    for c in sorted(CLASSES, key=lambda c: (-per_class[c], c)):
        v = result["per_class"][c]
        ex = ", ".join(f"`{e}`" for e in v["examples"])
        print(f"| {c} | {'yes' if v['planted'] else 'no'} | {v['k']} | {v['rate']} | {ex} |")

if __name__ == "__main__":
    main()
