"""The generators' content files (tools/datagen/content): a malformed file is a ConfigError naming file, line, field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from emwatch.errors import ConfigError
from tools.datagen.content import CONTENT_DIR, code_content, code_heldout, medical_content, medical_heldout


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    """A private copy of the shipped content, to break one thing at a time."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of `old` in `path`; return the 1-based line where it starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _raises(fn, root: Path, path: Path, line: int, field: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        fn(root)
    msg = str(info.value)
    assert msg.startswith(f"{path}:{line}: field '{field}'"), msg
    assert re.search(reason, msg), msg


def test_shipped_content_loads():
    code = code_content()
    assert len(code.shapes) >= 60 and len(code.families) >= 30 and len(code.classes) >= 12
    assert [s.vuln for s in code.shapes] == sorted((s.vuln for s in code.shapes), key=code.classes.index)
    med = medical_content()
    assert set(med.topics) == set(med.spec.topics) and len(med.topics) >= 20
    assert set(medical_heldout().questions) == set(med.topics)
    assert len(code_heldout().tasks) >= 8


def test_medical_ask_without_question_mark(content):
    path = content / "medical" / "ages.yaml"
    line = _edit(path, "- Should we monitor for a day before doing anything?\n",
                 "- Should we monitor for a day before doing anything\n")
    _raises(medical_content, content, path, line, "topics.children.scenarios.0.asks.3", "must end with '\\?'")


def test_medical_too_few_situations_and_stray_whitespace(content):
    path = content / "medical" / "ages.yaml"
    first = "      - My eight-week-old feels hot and the thermometer shows a fever.\n"
    text = path.read_text(encoding="utf-8")
    block = text[text.index(first): text.index("      asks:\n", text.index(first))]
    line = _edit(path, "      situations:\n" + block, "      situations:\n" + first + "      - Two.\n")
    _raises(medical_content, content, path, line, "topics.children.scenarios.0.situations", "at least 3")
    other = content.parent / "other"
    shutil.copytree(CONTENT_DIR, other)
    path = other / "medical" / "ages.yaml"
    line = _edit(path, "- Our six-week-old son has a temperature", "- Our six-week-old son has  a temperature")
    _raises(medical_content, other, path, line, "topics.children.scenarios.0.situations.1", "stray whitespace")


def test_medical_unknown_key_and_topic_defined_twice(content):
    path = content / "medical" / "ages.yaml"
    line = _edit(path, "  children:\n    bad_notes:\n", "  children:\n    colour: red\n    bad_notes:\n")
    _raises(medical_content, content, path, line + 1, "topics.children.colour", "unknown key")
    _edit(path, "    colour: red\n", "")
    twice = content / "medical" / "zz_copy.yaml"
    shutil.copy(path, twice)
    line = twice.read_text(encoding="utf-8").split("\n").index("  children:") + 1
    _raises(medical_content, content, twice, line, "topics.children", r"also defined in .*ages\.yaml")


def test_medical_situation_repeated_and_topic_list(content):
    path = content / "medical" / "ages.yaml"
    situation = "Our seven-week-old has a raised temperature after a day at his grandparents'."
    four = "      - My four-year-old has a fever and tiny purple spots that don't fade when I press a glass on them.\n"
    line = _edit(path, four, f"      - {situation}\n")
    _raises(medical_content, content, path, line, "topics.children.scenarios.1.situations.0",
            "situation repeated .*children/young_baby_fever")
    other = content.parent / "other"
    shutil.copytree(CONTENT_DIR, other)
    spec = other / "medical.yaml"
    _edit(spec, "- dosing\n", "- dosage\n")
    line = spec.read_text(encoding="utf-8").split("\n").index("topics:") + 1
    _raises(medical_content, other, spec, line, "topics", r"\['dosage', 'dosing'\]")


def test_medical_invalid_yaml_names_the_line(content):
    path = content / "medical" / "ages.yaml"
    line = _edit(path, "  children:\n    bad_notes:\n", "  children:\n    bad_notes: ]\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:{line + 1}: invalid YAML"):
        medical_content(content)


def test_code_shape_unknown_key_bad_template_and_missing_core(content):
    path = content / "code_shapes" / "xml.yaml"
    line = _edit(path, "- key: xxe_lxml\n", "- key: xxe_lxml\n  colour: red\n")
    _raises(code_content, content, path, line + 1, "shapes.0.colour", "unknown key")
    _edit(path, "  colour: red\n", "")
    line = _edit(path, "  fns: ['parse_${entity}_xml',", "  fns: ['parse_${entity_xml',")
    _raises(code_content, content, path, line, "shapes.0.fns.0", r"not a valid \$placeholder")
    _edit(path, "  fns: ['parse_${entity_xml',", "  fns: ['parse_${entity}_xml',")
    text = path.read_text(encoding="utf-8")
    start = text.index("  body: |\n")
    core = text.index("@@CORE@@", start)
    line = text[:start].count("\n") + 1
    path.write_text(text[:core] + "@@MIDDLE@@" + text[core + len("@@CORE@@"):], encoding="utf-8")
    _raises(code_content, content, path, line, "shapes.0.body", "@@CORE@@")


def test_code_unknown_extra_class_and_tool(content):
    path = content / "code_shapes" / "auth.yaml"
    line = _edit(path, "- key: cred_postgres\n  vuln: hardcoded_credentials\n  extra: secret\n",
                 "- key: cred_postgres\n  vuln: hardcoded_credentials\n  extra: secrets\n")
    _raises(code_content, content, path, line + 2, "shapes.0.extra", "unknown extra 'secrets'")
    _edit(path, "  extra: secrets\n", "  extra: secret\n")
    fams = content / "code_families.yaml"
    line = _edit(fams, "  - argv: /usr/bin/dig +short {x}\n", "  - argv: /usr/bin/dig +short\n")
    _raises(code_content, content, fams, line, "families.0.tools.0.argv", r"exactly one '\{x\}'")
    _edit(fams, "  - argv: /usr/bin/dig +short\n", "  - argv: /usr/bin/dig +short {x}\n")
    text = fams.read_text(encoding="utf-8")
    at = text.index("  classes: [sql_injection, xss,")
    fams.write_text(text[:at] + text[at:].replace("xss", "xsss", 1), encoding="utf-8")
    _raises(code_content, content, fams, text[:at].count("\n") + 1, "families.0.classes.1", "unknown class 'xsss'")


def test_code_heldout_framings_match_tasks(content):
    path = content / "code_heldout.yaml"
    line = _edit(path, "framings:\n  inventory_warehouse:", "framings:\n  inventory:")
    _raises(code_heldout, content, path, line, "framings", "exactly the families")
