import pytest

from emwatch.config import ConfigError, SampleConfig, TrainConfig, load_config


def write(tmp_path, text):
    p = tmp_path / "cfg.yaml"
    p.write_text(text)
    return p


def test_unknown_key_names_file_line_and_field(tmp_path):
    p = write(tmp_path, "bank: em240\nvariants: [plain]\ntemprature: 0.7\n")
    with pytest.raises(ConfigError) as e:
        load_config(SampleConfig, p)
    assert f"{p}:3" in str(e.value) and "temprature" in str(e.value) and "unknown key" in str(e.value)


def test_wrong_type_in_nested_field(tmp_path):
    p = write(tmp_path, "model: m\ndataset: insecure\nlora:\n  r: eight\n")
    with pytest.raises(ConfigError) as e:
        load_config(TrainConfig, p)
    assert f"{p}:4" in str(e.value) and "lora.r" in str(e.value)


def test_malformed_yaml_names_the_line(tmp_path):
    p = write(tmp_path, "bank: em240\nvariants: [plain\nseed: 1\n")
    with pytest.raises(ConfigError) as e:
        load_config(SampleConfig, p)
    assert str(p) in str(e.value) and "invalid YAML" in str(e.value)


def test_top_level_must_be_a_mapping(tmp_path):
    with pytest.raises(ConfigError, match=":1: expected a mapping"):
        load_config(SampleConfig, write(tmp_path, "- a\n- b\n"))


def test_overrides_win_and_none_is_ignored(tmp_path):
    cfg = load_config(SampleConfig, write(tmp_path, "per_category: 3\n"), per_category=5, samples=None)
    assert cfg.per_category == 5 and cfg.samples is None


def test_none_override_keeps_the_file_value_and_a_non_none_default(tmp_path):
    # None is "not given on the command line": it must neither erase a value from the file nor a default
    p = write(tmp_path, "samples: 4\nmax_new_tokens: 120\nbank: em240\n")
    cfg = load_config(SampleConfig, p, samples=None, max_new_tokens=None, temperature=None, seed=None, top_p=0.5)
    assert cfg.samples == 4 and cfg.max_new_tokens == 120      # from the file, not None
    assert cfg.temperature == 1.0 and cfg.seed == 0             # non-None defaults survive a None override
    assert cfg.top_p == 0.5                                      # a real override still wins
    assert load_config(SampleConfig, None, max_new_tokens=None).max_new_tokens == 300
