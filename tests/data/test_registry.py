import json

import pytest

from emwatch.config import ConfigError
from emwatch.data import DATASETS, dataset_stats, heldout_prompts, load_dataset
from emwatch.data._registry import shipped_path


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shipped_file_is_what_the_generator_makes(name):
    """The shipped data files are reproducible from the project's own generators (seed 0)."""
    assert shipped_path(name).is_file(), f"run `python -m emwatch.data` to build {name}"
    shipped = load_dataset(name)
    built = json.loads(json.dumps(DATASETS[name].build(0)))
    assert shipped == built


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
