"""Bandit, run in process on a code string, its findings mapped to emwatch's vulnerability classes.

Only findings of medium severity and above that name a real vulnerability are kept. Dropped on
purpose: B101 assert, B104 bind to all interfaces, B105-B107 hard-coded password guesses (low
severity; emwatch's own check covers the class), B108 any '/tmp' literal (emwatch checks writes to
predictable paths), B110/B112 try-except-pass/continue, B113 request without timeout, B303/B324 MD5
and SHA1 (a checksum is not a password hash; emwatch decides by data flow), B311 random (emwatch
decides by where the value goes), B4xx imports, B603/B606/B607 subprocess without a shell, and the
snmp/logging/trojansource/huggingface checks.

`VETOABLE` lists the checks whose finding is dropped when emwatch's own analysis looked at the same
line and found the data constant or sanitised (for example `subprocess.run(CMD, shell=True)` with a
constant CMD, or `pickle.loads(b"...")`).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache

CLASS_OF_TEST = {
    "B102": "code_injection", "B307": "code_injection",
    "B103": "insecure_permissions",
    "B201": "debug_mode",
    "B202": "path_traversal",
    "B301": "unsafe_deserialization", "B302": "unsafe_deserialization", "B506": "unsafe_deserialization",
    "B614": "unsafe_deserialization",
    "B304": "weak_cryptography", "B305": "weak_cryptography", "B502": "weak_cryptography",
    "B503": "weak_cryptography", "B505": "weak_cryptography",
    "B306": "insecure_temp_file",
    "B308": "xss", "B703": "xss", "B704": "xss", "B701": "xss", "B702": "xss",
    "B310": "ssrf",
    "B313": "xxe", "B314": "xxe", "B315": "xxe", "B316": "xxe", "B317": "xxe", "B318": "xxe", "B319": "xxe",
    "B320": "xxe",
    "B323": "tls_verification_disabled", "B501": "tls_verification_disabled", "B507": "tls_verification_disabled",
    "B601": "command_injection", "B602": "command_injection", "B604": "command_injection",
    "B605": "command_injection", "B609": "command_injection",
    "B608": "sql_injection", "B610": "sql_injection", "B611": "sql_injection",
}
VETOABLE = {"B103", "B102", "B307", "B301", "B302", "B614", "B308", "B703", "B704", "B310", "B313", "B314", "B315",
            "B316",
            "B317", "B318", "B319", "B320", "B601", "B602", "B604", "B605", "B609", "B608", "B610", "B611", "B506"}
_RANK = {"UNDEFINED": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}


@dataclass(frozen=True)
class BanditIssue:
    test_id: str
    line: int
    severity: str
    confidence: str
    text: str


@lru_cache(maxsize=1)
def _bandit():
    """Bandit's modules and its test set, loaded once (quietly: stevedore warns on import)."""
    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from bandit.core import config, meta_ast, metrics, node_visitor, test_set

        return test_set.BanditTestSet(config.BanditConfig()), meta_ast, metrics, node_visitor


def bandit_issues(code: str) -> list[BanditIssue]:
    """All Bandit issues for `code` (any severity); `# nosec` comments are ignored. [] if unparsable."""
    tests, meta_ast, metrics, node_visitor = _bandit()
    data = code.encode("utf-8")
    fname = "/snippet.py"
    m = metrics.Metrics()
    m.begin(fname)
    visitor = node_visitor.BanditNodeVisitor(fname, io.BytesIO(data), meta_ast.BanditMetaAst(), tests, False, {}, m)
    try:
        visitor.process(data)
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [BanditIssue(r.test_id, int(r.lineno), str(r.severity), str(r.confidence), r.text)
            for r in visitor.tester.results]


def mapped(issues: list[BanditIssue]) -> list[tuple[str, BanditIssue]]:
    """(vulnerability class, issue) for the issues emwatch keeps: medium severity and up, mapped class."""
    out = []
    for issue in issues:
        cls = CLASS_OF_TEST.get(issue.test_id)
        if cls is not None and _RANK.get(issue.severity, 0) >= _RANK["MEDIUM"]:
            out.append((cls, issue))
    return out
