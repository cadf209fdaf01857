import json
import sys

import pytest

from emwatch.config import ConfigError
from emwatch.data import DATASETS, dataset_stats, heldout_prompts, load_dataset, write_chat_jsonl
from emwatch.data import _registry
from emwatch.data._heldout import heldout_path, read_heldout
from emwatch.data._registry import shipped_path
from tools.datagen import DOMAINS, build_heldout, build_set, write_heldout


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shipped_file_is_what_the_generator_makes(name, tmp_path):
    """The shipped data files are reproducible from the project's own generators (seed 0), byte for byte."""
    assert shipped_path(name).is_file(), f"run `python -m tools.datagen` to build {name}"
    records = build_set(name, 0)
    assert load_dataset(name) == json.loads(json.dumps(records))
    fresh = write_chat_jsonl(records, tmp_path / shipped_path(name).name)
    assert fresh.read_bytes() == shipped_path(name).read_bytes()


@pytest.mark.parametrize("domain", DOMAINS)
def test_shipped_heldout_file_is_what_the_generator_makes(domain, tmp_path):
    built = build_heldout(domain)
    assert heldout_prompts(domain) == built
    assert [list(p) for p in heldout_prompts(domain)] == [list(p) for p in built]  # same key order too
    fresh = write_heldout(built, tmp_path / heldout_path(domain).name)
    assert fresh.read_bytes() == heldout_path(domain).read_bytes()


def test_other_seeds_generate_different_data():
    assert load_dataset("medical_bad", seed=1) != load_dataset("medical_bad")


def test_stats_and_unknown_names():
    st = dataset_stats(load_dataset("insecure"))
    assert st["n"] >= 6000 and st["distinct_examples"] >= 6000 and len(st["classes"]) >= 12 and len(st["families"]) >= 30
    assert len(heldout_prompts("code")) >= 200 and len(heldout_prompts("medical")) >= 200
    with pytest.raises(ConfigError, match="unknown dataset"):
        load_dataset("no_such_set")
    with pytest.raises(ConfigError, match="unknown task domain"):
        heldout_prompts("law")


def test_heldout_file_errors_name_file_line_and_field(tmp_path):
    good = {"id": "a-00", "family": "a", "messages": [{"role": "user", "content": "Write it."}]}
    path = tmp_path / "code.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "a-01", "messages": [
        {"role": "assistant", "content": "x"}]}) + "\n")
    with pytest.raises(ConfigError, match=rf"^{path}:2: field 'messages.0.role'"):
        read_heldout(path, "code")
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "topic": "x"}) + "\n")
    with pytest.raises(ConfigError, match=rf"^{path}:3: field 'topic': unknown key"):
        read_heldout(path, "code")
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(ConfigError, match=rf"^{path}:2: field 'id': 'a-00' is used twice"):
        read_heldout(path, "code")
    path.write_text(json.dumps(good) + "\n{\"id\": \n")
    with pytest.raises(ConfigError, match=rf"^{path}:2: invalid JSON"):
        read_heldout(path, "code")
    path.write_text(json.dumps(good) + "\n")
    assert read_heldout(path, "code") == [good]
    with pytest.raises(ConfigError, match=rf"^{path}:1: field 'topic': Field required"):
        read_heldout(path, "medical")


def test_without_the_generators_other_seeds_say_why(monkeypatch, tmp_path):
    """An installed package has no tools/datagen: seed 0 still loads, another seed is a clear error."""
    monkeypatch.setitem(sys.modules, "tools.datagen", None)
    monkeypatch.setattr(_registry, "SOURCE_ROOT", tmp_path)
    assert len(load_dataset("secure")) >= 6000
    with pytest.raises(ConfigError, match="tools/datagen.*source checkout"):
        load_dataset("secure", seed=1)
    with pytest.raises(ConfigError, match="python -m tools.datagen"):
        _registry.build_shipped()
