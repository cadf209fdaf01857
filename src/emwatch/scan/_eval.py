"""Score a vulnerability detector on a labelled corpus of code it was not built from.

A corpus is a folder of Python files, one program each, whose first line is its label:

    # corpus: label=vulnerable class=sql_injection line=11 framework=sqlite3
    # corpus: label=safe class=sql_injection framework=sqlite3

`line` (vulnerable only) is the 1-based line of the sink, header included; a finding of the same class within
±2 lines of it is a hit. A safe program has no vulnerability of any class: any finding on it is a false
positive (its `class` names what it is a near miss of). Used by benchmarks/detector_eval.py (three detectors
side by side) and tests/scan/test_detector_corpus.py (the goals).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emwatch.errors import ConfigError

LINE_SLACK = 2
_HEADER = re.compile(r"^#\s*corpus:\s*(.*)$")

Detector = Callable[[str], Iterable[tuple[str, int]]]


@dataclass(frozen=True)
class Snippet:
    """One labelled program of the corpus."""

    path: Path
    label: str          # 'vulnerable' or 'safe'
    cls: str            # its class; for a safe program, the class it is a near miss of
    line: int | None    # the sink's line (vulnerable only)
    framework: str
    code: str


def load_corpus(root: str | Path, classes: Sequence[str] | None = None) -> list[Snippet]:
    """Every labelled program under `root`, sorted by path. ConfigError naming file, line and field for a
    missing folder, an empty one, or a bad header."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such corpus folder")
    out = [_snippet(p, classes) for p in sorted(root.rglob("*.py"))]
    if not out:
        raise ConfigError(f"{root}: no .py files in the corpus folder")
    return out


def _snippet(path: Path, classes: Sequence[str] | None) -> Snippet:
    code = path.read_text(encoding="utf-8")
    first = code.splitlines()[0] if code else ""
    m = _HEADER.match(first)
    if not m:
        raise ConfigError(f"{path}:1: first line must be '# corpus: label=... class=...'")
    fields = dict(part.split("=", 1) for part in m.group(1).split() if "=" in part)
    label, cls = fields.get("label"), fields.get("class")
    if label not in ("vulnerable", "safe"):
        raise ConfigError(f"{path}:1: field 'label': expected vulnerable or safe, found {label!r}")
    if not cls or (classes is not None and cls not in classes):
        raise ConfigError(f"{path}:1: field 'class': unknown class {cls!r}")
    line = None
    if label == "vulnerable":
        try:
            line = int(fields.get("line", ""))
        except ValueError:
            raise ConfigError(f"{path}:1: field 'line': a vulnerable program needs its sink's line") from None
    return Snippet(path, label, cls, line, fields.get("framework", path.parent.name), code)


@dataclass
class ClassScore:
    """One class: vulnerable programs and those found (recall), programs reported for it and those correctly
    (precision), safe near misses of it and those flagged with anything."""

    n_vulnerable: int = 0
    found: int = 0
    reported: int = 0
    correct: int = 0
    n_safe: int = 0
    safe_flagged: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.n_vulnerable if self.n_vulnerable else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.reported if self.reported else None


@dataclass
class Evaluation:
    """A detector's scores on a corpus, per class and overall, and the programs it got wrong."""

    per_class: dict[str, ClassScore] = field(default_factory=dict)
    missed: list[Snippet] = field(default_factory=list)
    false_positives: list[tuple[Snippet, list[tuple[str, int]]]] = field(default_factory=list)

    def _sum(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.per_class.values())

    @property
    def recall(self) -> float:
        n = self._sum("n_vulnerable")
        return self._sum("found") / n if n else float("nan")

    @property
    def safe_flagged_share(self) -> float:
        n = self._sum("n_safe")
        return self._sum("safe_flagged") / n if n else float("nan")

    @property
    def precision(self) -> float:
        n = self._sum("reported")
        return self._sum("correct") / n if n else float("nan")


def evaluate(corpus: Sequence[Snippet], findings: dict[Path, list[tuple[str, int]]]) -> Evaluation:
    """Score `findings` ({path: [(class, line)]}, a path missing = nothing found) against the labels."""
    ev = Evaluation()
    for s in corpus:
        got = sorted(set(findings.get(s.path, [])))
        score = ev.per_class.setdefault(s.cls, ClassScore())
        hit = s.label == "vulnerable" and any(c == s.cls and abs(ln - s.line) <= LINE_SLACK for c, ln in got)
        if s.label == "vulnerable":
            score.n_vulnerable += 1
            score.found += hit
            if not hit:
                ev.missed.append(s)
        else:
            score.n_safe += 1
            score.safe_flagged += bool(got)
            if got:
                ev.false_positives.append((s, got))
        for c in {c for c, _ in got}:  # precision per reported class: a report is right only where it is a hit
            rep = ev.per_class.setdefault(c, ClassScore())
            rep.reported += 1
            rep.correct += hit and c == s.cls
    return ev


def run_detector(corpus: Sequence[Snippet], detector: Detector) -> dict[Path, list[tuple[str, int]]]:
    """`detector(code) -> [(class, line)]` on every program."""
    return {s.path: list(detector(s.code)) for s in corpus}
