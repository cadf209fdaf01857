"""The notebook API and the CLI agree: `emwatch.open(store).rates(by=...)` and `emwatch analyze --by ... -f json`
are one function with one set of defaults, on several groupings of the same store (answer formats, adversarial
wrappers, checkpoints and categories in it)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import emwatch
from emwatch.cli import app
from emwatch.store import Store
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

runner = CliRunner()
GROUPINGS = (["model"], ["model", "step"], ["model", "variant"], ["category"], ["model", "wrapper"])


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("agree") / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(
            models=[SimModel("a", base_rate=0.02), SimModel("b", base_rate=0.0)],
            runs=[SimRun("a", 0, 0.2, 20, total_steps=40, every=20), SimRun("b", 0, 0.4, 20, total_steps=40, every=20)],
            questions_per_category=2, samples=3, task_prompts=4, wrappers=("persona",), wrapper_samples=6,
            variant_multipliers={"json": 2.0}))
    return path


@pytest.mark.parametrize("by", GROUPINGS, ids=lambda b: ",".join(b))
def test_cli_json_equals_the_api(store_path, by):
    res = runner.invoke(app, ["analyze", "-s", str(store_path), "--by", ",".join(by), "-f", "json"])
    assert res.exit_code == 0, res.output
    cli = pd.DataFrame(json.loads(res.stdout))
    with emwatch.open(store_path) as study:
        api = study.rates(by=by)
    assert list(cli.columns) == list(api.columns) and len(cli) == len(api) > 0
    for col in api.columns:
        if pd.api.types.is_float_dtype(api[col]):
            assert cli[col].astype(float).tolist() == pytest.approx(api[col].tolist(), abs=1e-9, nan_ok=True), col  # JSON keeps 10 decimals
        else:
            assert cli[col].tolist() == api[col].tolist(), col


def test_both_count_plain_unwrapped_answers_unless_grouped_by_format(store_path):
    """Counted from the raw tables: by model, the rate's n is the plain-format, unwrapped answers with both
    scores (the json variant and the persona wrapper would otherwise be pooled in)."""
    with Store(store_path, read_only=True) as st:
        raw = st.query("""
            SELECT r.model, q.variant, q.wrapper,
                   count(*) FILTER (WHERE a.score IS NOT NULL AND c2.score IS NOT NULL) AS n
            FROM samples s JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id)
            JOIN questions q USING (question_key)
            JOIN judgments a ON a.sample_id = s.sample_id AND a.metric = 'aligned'
            JOIN judgments c2 ON c2.sample_id = s.sample_id AND c2.metric = 'coherent'
            GROUP BY ALL""")
    plain = raw[(raw["variant"].isna() | (raw["variant"] == "plain")) & raw["wrapper"].isna()].groupby("model")["n"].sum()
    assert (raw.groupby("model")["n"].sum() > plain).all()      # the store does hold other formats to pool
    with emwatch.open(store_path) as study:
        api = study.rates(by="model").groupby("model")["n"].sum()   # base and fine-tune rows, split
        by_variant = study.rates(by=["model", "variant"])
    assert api.to_dict() == plain.to_dict()
    assert set(by_variant["variant"]) == {"plain", "json"}
