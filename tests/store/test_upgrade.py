"""A schema-1 store written by the first release (fixtures/v1_store.duckdb, made by fixtures/make_v1_store.py with
that release's code) opens with today's code, is upgraded in place, gives the same analyses, and resumes: the same
stages and the same import add nothing."""

import json
import math
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from emwatch.analysis import em_rates, load_answers, task_metric
from emwatch.judge import judge
from emwatch.sample import sample
from emwatch.store import SCHEMA_VERSION, Store, StoreError, import_csv

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from v1_workload import FakeBackend, judge_config, sample_config  # noqa: E402

EXPECTED = json.loads((FIXTURES / "v1_expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def v1(tmp_path):
    path = tmp_path / "v1.duckdb"
    shutil.copy(FIXTURES / "v1_store.duckdb", path)
    return path


def _version(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()[0][0])
    finally:
        con.close()


def _records(frame, cols):
    return sorted(({c: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else
                        (int(v) if c in ("step", "n", "n_excluded", "n_code") else float(v) if c.endswith("rate") else v))
                    for c, v in zip(cols, row)}
                   for row in frame[cols].itertuples(index=False)), key=lambda r: json.dumps(r, default=str))


def test_fixture_is_schema_1(v1):
    assert _version(v1) == 1 < SCHEMA_VERSION


def test_read_only_open_of_an_old_store_says_how_to_upgrade(v1):
    with pytest.raises(StoreError, match="version 1") as err:
        Store(v1, read_only=True)
    assert f"`emwatch upgrade --store {v1}`" in str(err.value)


def test_upgrade_keeps_rows_and_analyses(v1):
    with Store(v1) as store:
        counts = {t: store.count(t) for t in EXPECTED["counts"]}
        answers = load_answers(store)
        rates = em_rates(answers, ["model", "step"])
        task = task_metric(answers)
        assert store.count("monitor_events") == 0 and store.count("tasks") == 0
    assert _version(v1) == SCHEMA_VERSION
    assert counts == EXPECTED["counts"]
    assert _records(rates, ["model", "step", "n", "n_excluded", "em_rate"]) == _records_of(EXPECTED["em_rates"])
    assert _records(task, ["model", "step", "n_code", "vulnerable_rate"]) == _records_of(EXPECTED["task"])
    # emwatch's own rows keep their keys; only imported rows were re-keyed
    own = sorted(answers.loc[answers["run_kind"] != "import", "sample_id"])
    assert own == EXPECTED["sample_ids"]


def _records_of(rows):
    return sorted(rows, key=lambda r: json.dumps(r, default=str))


TINY_JUDGMENTS = """SELECT count(*) FROM judgments j JOIN samples s USING (sample_id)
                    JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id) WHERE r.model = 'tiny-chat'"""


def test_stages_and_import_resume_on_the_upgraded_store(v1):
    with Store(v1) as store:
        tiny = set(store.checkpoints().query("model == 'tiny-chat'")["checkpoint_id"])
        before = store.query(TINY_JUDGMENTS).iloc[0, 0]
        backend = FakeBackend()
        # the three tiny-chat checkpoints were sampled by the first release: every one of their answers is found;
        # the simulated study's checkpoints (written after that sampling) are what is new
        done = sample(store, sample_config(), backend, progress=False)
        assert done.skipped == 60 and not tiny & set(done.per_checkpoint)
        judge(store, judge_config(), backend, judge_name="fake-judge", progress=False)
        assert store.query(TINY_JUDGMENTS).iloc[0, 0] == before
        added = import_csv(store, FIXTURES / "v1_import.csv", model="earlier-model", group="insecure", seed=0,
                           dataset="insecure").added
        assert set(added.values()) == {0}, added
        n = {t: store.count(t) for t in ("samples", "judgments")}
    with Store(v1) as store:   # reopening does not migrate again
        assert {t: store.count(t) for t in n} == n


def test_newer_store_is_refused(v1):
    Store(v1).close()
    con = duckdb.connect(str(v1))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer than this emwatch"):
        Store(v1)


def test_schema_2_store_gains_the_reasoning_column_and_keeps_its_samples(tmp_path, schema_2_store):
    """Version 3 adds samples.reasoning. A version-2 store (made by the `schema_2_store` fixture: today's store
    without the column, marked 2) upgrades in place: every sample keeps its key and gets NULL reasoning; new
    samples store their thoughts."""
    from emwatch.store import Sample

    path = tmp_path / "v2.duckdb"
    ck, old_ids = schema_2_store(path, ("<think>old text kept whole</think> hi",))
    assert _version(path) == 2
    with Store(path) as store:
        rows = store.df("SELECT sample_id, response, reasoning FROM samples")
        assert rows.sample_id.tolist() == old_ids and rows.reasoning.isna().all()
        assert rows.response.tolist() == ["<think>old text kept whole</think> hi"]
        store.add([Sample(checkpoint_id=ck, question_key="q2", sample_index=0, sampling={"seed": 0},
                          response="hi", reasoning="thoughts")])
        assert store.df("SELECT reasoning FROM samples WHERE question_key = 'q2'").reasoning.tolist() == ["thoughts"]
    assert _version(path) == SCHEMA_VERSION >= 3


def test_schema_4_store_marks_the_original_deception_questions_as_verdict_prompts(tmp_path):
    """Version 6 adds questions.judge_kinds: on upgrade (here from a version-4 store, through 5), a question whose id is an original free_form_judge
    question (verdict_questions.yaml) gets "verdict" for each own template other than aligned/coherent; another
    question, or a built-in prompt (None), gets none; keys do not change."""
    from emwatch.store import Question

    path = tmp_path / "v4.duckdb"
    lie = Question(bank="deception", question_id="lie_dont_lie", messages=[{"role": "user", "content": "sun?"}],
                   judge_metrics={"correct": "Is {answer} correct? TRUE or FALSE", "aligned": None})
    other = Question(bank="mine", question_id="q1", messages=[{"role": "user", "content": "hi?"}],
                     judge_metrics={"correct": "Rate {answer} 0 to 100"})
    with Store(path) as s:
        s.add([lie, other])
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE questions DROP COLUMN judge_kinds")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    assert _version(path) == 4
    with Store(path) as s:
        kinds = dict(s.con.execute("SELECT question_key, judge_kinds FROM questions").fetchall())
    assert json.loads(kinds[lie.key]) == {"correct": "verdict"} and kinds[other.key] is None
    assert _version(path) == SCHEMA_VERSION == 6   # through both steps: 4 -> 5 (em_counts) and 5 -> 6
