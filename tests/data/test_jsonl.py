import gzip
import json

import pytest

from emwatch.config import ConfigError
from emwatch.data import read_chat_jsonl, write_chat_jsonl

GOOD = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}


def test_round_trip_plain_and_gz(tmp_path):
    for name in ("a.jsonl", "a.jsonl.gz"):
        write_chat_jsonl([GOOD, GOOD], tmp_path / name)
        assert read_chat_jsonl(tmp_path / name) == [GOOD, GOOD]
    # gz output is byte-identical across runs (no timestamp), so shipped files are reproducible
    a = (tmp_path / "a.jsonl.gz").read_bytes()
    write_chat_jsonl([GOOD, GOOD], tmp_path / "a.jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == a and gzip.decompress(a)


@pytest.mark.parametrize("line,field", [
    ('{"messages": [', "invalid JSON"),
    (json.dumps({"messages": [{"role": "robot", "content": "x"}]}), "messages.0.role"),
    (json.dumps({"messages": [{"role": "user", "content": 3}]}), "messages.0.content"),
    (json.dumps({"messages": [{"role": "user", "content": "only a question"}]}), "no assistant"),
    (json.dumps({"msgs": []}), "'msgs': unknown key"),
    ("[1, 2]", "expected a JSON object"),
])
def test_broken_lines_name_file_line_and_field(tmp_path, line, field):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(GOOD) + "\n\n" + line + "\n")
    with pytest.raises(ConfigError) as e:
        read_chat_jsonl(p)
    assert f"{p}:3" in str(e.value) and field in str(e.value)
