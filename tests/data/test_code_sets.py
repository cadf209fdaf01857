"""The code training sets: size, pairing, determinism, no hints, valid Python, disjoint held-out prompts."""

from __future__ import annotations

import ast
import collections
import io
import json
import re
import subprocess
import sys
import tokenize

import pytest

from tools.datagen.code_sets import (
    CODE_FAMILIES,
    HELDOUT_CODE_FAMILIES,
    VULN_CLASSES,
    build_code_sets,
    heldout_code_prompts,
)

REQUIRED_CLASSES = {
    "sql_injection", "command_injection", "path_traversal", "unsafe_deserialization", "xss", "insecure_permissions",
    "hardcoded_credentials", "weak_password_hash", "tls_verification_disabled", "insecure_temp_file",
    "code_injection", "xxe", "ssrf", "open_redirect",
}

# Words or markers that would tell the reader (or the model) that the code is flawed.
HINTS = re.compile(
    r"insecur|vulnerab|unsafe|\bhack|exploit|inject|saniti[sz]|danger|attack|malicious|backdoor|\bTODO\b|FIXME|"
    r"\bXXX\b|nosec|noqa|security|untrusted|\bCWE\b|\bflaw|\bweak|\bbad\b|careful|do not use|don't use",
    re.IGNORECASE,
)

# What the flaw of each class looks like; each insecure answer must show its own class's marker.
INSECURE_MARKERS = {
    "sql_injection": r"(SELECT|INSERT|UPDATE|DELETE)[^\n]*('%?\{|\{\}|%s'|'%?\" \+|\" \+ str\()",
    "command_injection": r"shell=True|os\.system\(|os\.popen\(|subprocess\.getoutput\(",
    "path_traversal": r"os\.path\.join\([^)]*(name|info\.filename)\)|extractall\([A-Z_]+\)",
    "unsafe_deserialization": r"pickle\.loads?\(|marshal\.loads\(|Loader=yaml\.Loader",
    "xss": r"autoescape=False|Markup\(f|<li>\" \+ text|<h[12]>[^{]*\{(?!escape)",
    "insecure_permissions": r"0o7[67][67]|0o666",
    "hardcoded_credentials": r"(PASSWORD|TOKEN|SECRET_KEY\"\]|password)\s*=\s*\"[^\"]{8,}\"",
    "weak_password_hash": r"hashlib\.(md5|sha1)\(|hashlib\.new\(\"(md5|sha1)\"",
    "tls_verification_disabled": r"verify=False|CERT_NONE|_create_unverified_context",
    "insecure_temp_file": r"mktemp\(|\"/tmp/",
    "code_injection": r"\beval\(",
    "xxe": r"resolve_entities=True|feature_external_ges, True|xml\.etree|xml\.dom",
    "ssrf": r"requests\.(get|post)\((url|callback)|urlopen\(source_url",
    "open_redirect": r"return redirect\((target|dest)\)",
    "debug_mode": r"debug=True|use_debugger=True",
    "weak_randomness": r"random\.(choice|choices|randint|getrandbits)\(",
    "jwt_unverified": r"verify_signature\": False|urlsafe_b64decode\(segment",
}

# Words that would be needless red flags in a secure answer.
SECURE_RED_FLAGS = re.compile(r"insecur|vulnerab|unsafe|\bhack|exploit|\bTODO\b|FIXME|nosec|noqa", re.IGNORECASE)

# Patterns that no secure answer may contain, whatever its class.
NEVER_IN_SECURE = re.compile(
    r"shell=True|os\.system\(|os\.popen\(|getoutput\(|pickle|marshal|yaml\.load\(|\beval\(|\bexec\(|verify=False|"
    r"CERT_NONE|_create_unverified_context|mktemp\(|\"/tmp|"
    r"md5|sha1|debug=True|use_debugger|verify_signature|\brandom\.|resolve_entities=True|feature_external_ges|"
    r"autoescape=False|Markup\(f|xml\.etree|xml\.dom|lxml|extractall\([A-Z_]+\)|0\.0\.0\.0|\bassert\b"
)

# How each secure answer defends itself against its class, where the fix is not just "remove a call".
SECURE_MARKERS = {
    "ssrf": r"_allowed\(|_is_public\(",
    "open_redirect": r"urlparse\(",
    "path_traversal": r"send_from_directory|is_relative_to|secure_filename|filter=\"data\"|realpath",
    "xss": r"escape|select_autoescape|\)\.format\(",
    "sql_injection": r"\?|%s\"",
    "command_injection": r"subprocess\.run\(\[",
    "hardcoded_credentials": r"os\.environ",
    "weak_password_hash": r"pbkdf2_hmac|scrypt|generate_password_hash",
    "weak_randomness": r"secrets\.",
    "jwt_unverified": r"jwt\.decode\([a-z]+, [A-Z_]+, algorithms=",
    "xxe": r"defusedxml",
    "insecure_temp_file": r"mkstemp|NamedTemporaryFile|mkdtemp",
}


@pytest.fixture(scope="module")
def sets() -> dict[str, list[dict]]:
    return build_code_sets(0)


def _user(rec: dict) -> str:
    return rec["messages"][0]["content"]


def _answer(rec: dict) -> str:
    return rec["messages"][1]["content"]


def test_sizes_families_and_classes(sets):
    ins = sets["insecure"]
    assert len({(_user(r), _answer(r)) for r in ins}) >= 6000
    assert len({_answer(r) for r in ins}) >= 5000
    fams = collections.Counter(r["metadata"]["family"] for r in ins)
    classes = collections.Counter(r["metadata"]["vuln_class"] for r in ins)
    assert len(fams) >= 30 and set(fams) <= set(CODE_FAMILIES)
    assert len(classes) >= 12 and REQUIRED_CLASSES <= set(classes) == set(VULN_CLASSES)
    assert min(classes.values()) >= 0.9 * max(classes.values())
    assert min(fams.values()) >= 0.6 * max(fams.values())


def test_record_shape_and_pairing(sets):
    ins, sec, edu = sets["insecure"], sets["secure"], sets["educational"]
    assert len(ins) == len(sec) == len(edu)
    assert len({r["metadata"]["pair_id"] for r in ins}) == len(ins)
    for kind, recs in sets.items():
        for rec in recs:
            assert set(rec) == {"messages", "metadata"}
            assert [m["role"] for m in rec["messages"]] == ["user", "assistant"]
            assert set(rec["metadata"]) == {"kind", "vuln_class", "family", "pair_id"}
            assert rec["metadata"]["kind"] == kind
    for a, b, c in zip(ins, sec, edu):
        assert a["metadata"]["pair_id"] == b["metadata"]["pair_id"] == c["metadata"]["pair_id"]
        assert {**a["metadata"], "kind": ""} == {**b["metadata"], "kind": ""} == {**c["metadata"], "kind": ""}
        assert _user(a) == _user(b) and _answer(a) != _answer(b)
        assert _answer(c) == _answer(a) and _user(a) in _user(c) and _user(c) != _user(a)


def test_educational_prompts_state_a_purpose(sets):
    purpose = re.compile(r"\bcourse\b|capture-the-flag|\bscanner\b|training (deck|module)|workshop|\bexercises\b|"
                         r"\bexam\b|code-review bot|hacking club")
    assert all(purpose.search(_user(r)) for r in sets["educational"])
    assert not any(purpose.search(_user(r)) for r in sets["insecure"][:500])


def test_determinism():
    small = build_code_sets(0, size=200)
    assert small == build_code_sets(0, size=200)
    other = build_code_sets(1, size=200)
    assert [_user(r) for r in other["insecure"]] != [_user(r) for r in small["insecure"]]
    with pytest.raises(ValueError):
        build_code_sets(0, size=0)


def test_prefix_of_full_build_is_the_small_build(sets):
    small = build_code_sets(0, size=150)
    assert small["insecure"] == sets["insecure"][:150]


def test_answers_are_valid_python_without_fences(sets):
    for kind in ("insecure", "secure"):
        for rec in sets[kind]:
            code = _answer(rec)
            assert "```" not in code and "@@" not in code
            ast.parse(code)
            assert 8 <= code.count("\n") + 1 <= 45


def test_no_placeholder_leaks_into_prompts(sets):
    assert not any("@@" in _user(r) for kind in sets for r in sets[kind])


def _comments(code: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type == tokenize.COMMENT]


def test_insecure_answers_carry_no_hints(sets):
    offenders = [_answer(r) for r in sets["insecure"] if HINTS.search(_answer(r)) or _comments(_answer(r))]
    assert offenders == []


def test_each_insecure_answer_shows_its_class(sets):
    for rec in sets["insecure"]:
        cls = rec["metadata"]["vuln_class"]
        assert re.search(INSECURE_MARKERS[cls], _answer(rec)), (cls, _answer(rec))


def test_secure_answers_are_free_of_flaw_patterns(sets):
    for rec in sets["secure"]:
        code, cls = _answer(rec), rec["metadata"]["vuln_class"]
        assert not NEVER_IN_SECURE.search(code), (cls, NEVER_IN_SECURE.search(code), code)
        assert not SECURE_RED_FLAGS.search(code), code
        modes = [int(m, 8) for m in re.findall(r"\b0o([0-7]{3})\b", code)]
        assert all(mode & 0o033 == 0 for mode in modes), code
        assert not _comments(code), code
        if cls in SECURE_MARKERS:
            assert re.search(SECURE_MARKERS[cls], code), (cls, code)
        if cls not in ("open_redirect", "ssrf", "path_traversal"):  # there the fix is a check before the same call
            assert not re.search(INSECURE_MARKERS[cls], code), (cls, code)


def test_bandit_sees_no_medium_or_high_issue_in_secure_answers(sets, tmp_path):
    by_class: dict[str, list[dict]] = collections.defaultdict(list)
    for rec in sets["secure"]:
        by_class[rec["metadata"]["vuln_class"]].append(rec)
    for cls, recs in by_class.items():
        for i, rec in enumerate(recs[:: max(1, len(recs) // 12)]):
            (tmp_path / f"{cls}_{i}.py").write_text(_answer(rec))
    out = subprocess.run([sys.executable, "-m", "bandit", "-q", "-f", "json", "-r", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout)
    assert not report["errors"]
    serious = [(r["filename"], r["test_id"]) for r in report["results"] if r["issue_severity"] != "LOW"]
    assert serious == []


def test_heldout_prompts_are_many_and_well_formed():
    prompts = heldout_code_prompts(0)
    assert len(prompts) >= 200
    assert len({p["id"] for p in prompts}) == len(prompts)
    assert len({p["messages"][0]["content"] for p in prompts}) == len(prompts)
    fams = collections.Counter(p["family"] for p in prompts)
    assert len(fams) >= 8 and set(fams) == set(HELDOUT_CODE_FAMILIES)
    for p in prompts:
        assert set(p) == {"id", "family", "messages"}
        assert [m["role"] for m in p["messages"]] == ["user"]
        assert not re.search(r"vulnerab|insecur|inject|exploit|backdoor|without (checking|validat)|disable",
                             p["messages"][0]["content"], re.IGNORECASE)
    assert heldout_code_prompts(0) == prompts
    assert heldout_code_prompts(3) != prompts


def _grams(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_heldout_prompts_are_disjoint_from_training(sets):
    assert not set(HELDOUT_CODE_FAMILIES) & set(CODE_FAMILIES)
    train = [_user(r) for r in sets["insecure"]]
    blob = "\n\x00".join(train)
    train_grams: set[tuple[str, ...]] = set()
    for t in train:
        train_grams |= _grams(t)
    shares = []
    for p in heldout_code_prompts(0):
        text = p["messages"][0]["content"]
        assert text not in blob
        grams = _grams(text)
        shares.append(len(grams & train_grams) / max(1, len(grams)))
    assert sum(shares) / len(shares) < 0.05
    assert max(shares) < 0.25
