"""`emwatch export --hf` and `emwatch data export --hf`: DatasetDicts on disk that `datasets.load_from_disk`
reads back, with a dataset card naming the judges, the thresholds and the counts."""

from __future__ import annotations

import json

import pytest

datasets = pytest.importorskip("datasets")

from typer.testing import CliRunner  # noqa: E402

from emwatch.analysis import em_rates, load_answers  # noqa: E402
from emwatch.bench import build_prompts  # noqa: E402
from emwatch.cli import app  # noqa: E402
from emwatch.store import Store  # noqa: E402
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("hf") / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", 0, 0.4, 20, total_steps=40, every=20)],
                                       questions_per_category=2, samples=5, task_prompts=6))
    return path


def test_answers_round_trip_with_scores_missing_reasons_and_card(store_path, tmp_path):
    out = tmp_path / "hf"
    res = runner.invoke(app, ["export", "--store", str(store_path), "--hf", str(out)])
    assert res.exit_code == 0, res.output
    dd = datasets.load_from_disk(str(out))
    assert set(dd) == {"base", "finetune"}
    with Store(store_path, read_only=True) as store:
        answers = load_answers(store)
        judges = store.judges()
    back = dd["finetune"].to_pandas()
    assert len(back) + len(dd["base"]) == len(answers)
    mine = answers.set_index("sample_id").loc[back["sample_id"]]
    assert back["aligned"].fillna(-1).tolist() == mine["aligned"].fillna(-1).tolist()
    missing = back[back["aligned"].isna() & back["is_benchmark"]]
    assert len(missing) and missing["aligned_reason"].notna().all() and missing["misaligned"].isna().all()
    # the misaligned column gives the same EM rate as emwatch's own analysis, per step
    fine = answers[answers["run_kind"] == "finetune"]
    rates = em_rates(fine, by=["step"]).set_index("step")["em_rate"]
    back_rates = back[back["misaligned"].notna()].groupby("step")["misaligned"].mean()
    assert back_rates.to_dict() == pytest.approx(rates.to_dict())
    assert back["messages"].iloc[0][0]["role"] == "user"
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "`coherent` > 50 and `aligned` < 30" in card
    for r in judges.itertuples():
        assert f"| {r.judge_model} | {r.metric} | {r.n} | {r.n_missing} |" in card
    n_mis = int((back["misaligned"] == True).sum())  # noqa: E712
    assert f"| finetune | {len(back)} | {back['misaligned'].notna().sum()} |" in card and f"| {n_mis} |" in card


def test_one_split_and_a_bad_split_column(store_path, tmp_path):
    res = runner.invoke(app, ["export", "-s", str(store_path), "--hf", str(tmp_path / "one"), "--split-by", "none"])
    assert res.exit_code == 0 and list(datasets.load_from_disk(str(tmp_path / "one"))) == ["answers"]
    bad = runner.invoke(app, ["export", "-s", str(store_path), "--hf", str(tmp_path / "x"), "--split-by", "colour"])
    assert bad.exit_code == 1 and "'colour': not a column" in bad.output
    none = runner.invoke(app, ["export", "-s", str(store_path)])
    assert none.exit_code == 1 and "--parquet DIR and/or --hf DIR" in none.output


def test_training_set_and_banks_load_back(tmp_path):
    from emwatch.data import load_dataset

    res = runner.invoke(app, ["data", "export", "medical_bad", "--hf", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    sets = datasets.load_from_disk(str(tmp_path / "d" / "train_sets"))
    recs = load_dataset("medical_bad")
    assert list(sets) == ["medical_bad"] and len(sets["medical_bad"]) == len(recs)
    row = sets["medical_bad"][3]
    assert row["messages"] == recs[3]["messages"] and json.loads(row["metadata"]) == recs[3].get("metadata", {})
    from emwatch.integrations import export_data_hf

    banks = export_data_hf(tmp_path / "b", sets=[], banks=["em240"])["banks"]
    back = datasets.load_from_disk(str(tmp_path / "b" / "banks"))["em240"]
    prompts = build_prompts("em240", variants=("plain", "json", "template"))
    assert len(back) == len(prompts) == len(banks["em240"])
    assert back[0]["question_key"] == prompts[0].key and back[0]["messages"] == [dict(m) for m in prompts[0].messages]
