"""Keys computed a column at a time (store._keys.bulk_keys, sample_keys, judgment_keys) equal, key for key, the
keys the typed records give; `Store.ingest_answers` writes the same rows as `Store.add` of the records."""

from __future__ import annotations

import pandas as pd

from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store
from emwatch.store._keys import bulk_keys, judgment_keys, sample_keys
from emwatch.testing import SimModel, SimRun, SimStudy
from emwatch.testing._simulate import _Writer

ODD = ["plain", "naïve — ünïcode 東京", 'quote " and \\ backslash', "tab\tnew\nline\x1f\x00", ""]


def _records():
    import numpy as np

    w = _Writer(np.random.default_rng(0))
    study = SimStudy(models=[SimModel("m")], runs=[SimRun("m", 0, em_final=0.3, onset_step=20, total_steps=40)],
                     questions_per_category=1, samples=2, task_prompts=3, truth_prompts=2)
    run = w.run(kind="finetune", model="m", dataset="insecure", seed=0, lr=1e-4, group="g")
    ck = w.checkpoint(run, 10, total_steps=40, loss=1.0)
    w.benchmark(ck, study, 0.3, variant="plain")
    w.task(ck, study, 0.5, "insecure")
    w.truth(ck, study, 0.2)
    recs = list(w.records.values())
    # odd texts and sampling values beside the simulator's
    q = Question(bank="b", question_id="odd", category=None, variant="plain", wrapper=None, paraphrase_index=0,
                 messages=[{"role": "user", "content": "x"}], judge_metrics={"aligned": None})
    recs.append(q)
    for i, text in enumerate(ODD):
        s = Sample(checkpoint_id=ck, question_key=q.key, sample_index=i,
                   sampling={"temperature": [1, 1.0, 0.0, -0.0, 0.7][i], "seed": i, "note": text, "t": None},
                   response=text or None)
        recs += [s, Judgment(sample_id=s.key, judge_model=text or "j", metric="aligned",
                             prompt_hash=None if i % 2 else text, score=float(i), raw={"text": text})]
    return recs


def test_bulk_keys_equal_the_records_keys():
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    assert len(samples) == 26 and len(judgments) == 42
    assert sample_keys([s.checkpoint_id for s in samples], [s.question_key for s in samples],
                       [s.sample_index for s in samples], [s.sampling for s in samples]) == [s.key for s in samples]
    assert judgment_keys([j.sample_id for j in judgments], [j.judge_model for j in judgments],
                         [j.metric for j in judgments], [j.prompt_hash for j in judgments]) == [j.key for j in judgments]


def test_ingest_answers_writes_what_add_writes(tmp_path):
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    others = [r for r in recs if isinstance(r, (Run, Checkpoint, Question))]
    row_of = {s.key: i for i, s in enumerate(samples)}
    sframe = pd.DataFrame([{k: v for k, v in s.row().items() if k != "sample_id"} for s in samples])
    jframe = pd.DataFrame([{**{k: v for k, v in j.row().items() if k not in ("judgment_id", "sample_id")},
                            "sample": row_of[j.sample_id]} for j in judgments])
    with Store(tmp_path / "a.duckdb") as a, Store(tmp_path / "b.duckdb") as b:
        a.add(recs)
        b.add(others)
        added = b.ingest_answers(sframe, jframe)
        assert added == {"samples": len(samples), "judgments": len(judgments)}
        assert b.ingest_answers(sframe, jframe) == {"samples": 0, "judgments": 0}  # a rerun writes nothing
        for table, key in (("samples", "sample_id"), ("judgments", "judgment_id")):
            want = a.query(f"SELECT * EXCLUDE (created_at) FROM {table} ORDER BY {key}")
            got = b.query(f"SELECT * EXCLUDE (created_at) FROM {table} ORDER BY {key}")
            pd.testing.assert_frame_equal(got, want)


def test_bulk_keys_from_pandas_and_arrow_columns_equal_the_records_keys():
    """The columns as a caller's DataFrame gives them (pandas text columns, NaN or None for a missing prompt
    hash, numpy sample indexes, one sampling mapping object shared by many rows) give the records' keys."""
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    sframe = pd.DataFrame({"checkpoint_id": [s.checkpoint_id for s in samples],
                           "question_key": [s.question_key for s in samples],
                           "sample_index": [s.sample_index for s in samples],
                           "sampling": [s.sampling for s in samples]})
    assert sframe["sample_index"].dtype.kind == "i"
    assert sample_keys(sframe["checkpoint_id"], sframe["question_key"], sframe["sample_index"],
                       sframe["sampling"]) == [s.key for s in samples]
    jframe = pd.DataFrame({"sample_id": [j.sample_id for j in judgments], "judge_model": [j.judge_model for j in judgments],
                           "metric": [j.metric for j in judgments],
                           "prompt_hash": [j.prompt_hash if j.prompt_hash is not None else float("nan") for j in judgments]})
    assert jframe["prompt_hash"].isna().sum() == sum(j.prompt_hash is None for j in judgments) > 0
    assert judgment_keys(jframe["sample_id"], jframe["judge_model"], jframe["metric"], jframe["prompt_hash"]) \
        == [j.key for j in judgments]
    # one mapping object shared by every row, and the same content as distinct objects: one key each
    shared = {"temperature": 1.0, "seed": 0}
    one = sample_keys(["c"] * 3, ["q"] * 3, [0, 1, 2], [shared] * 3)
    assert one == sample_keys(["c"] * 3, ["q"] * 3, [0, 1, 2], [dict(shared) for _ in range(3)]) \
        == [Sample(checkpoint_id="c", question_key="q", sample_index=i, sampling=shared).key for i in range(3)]
    # a text column holding a number beside texts: encoded as the record encodes it (a JSON number)
    assert judgment_keys(["s", "s"], ["j", 7], ["aligned", "aligned"], [None, None]) == \
        [Judgment(sample_id="s", judge_model=m, metric="aligned", score=1.0).key for m in ("j", 7)]


def test_ingest_keeps_the_first_of_equal_keys_and_skips_stored_ones(tmp_path):
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)][:4]
    others = [r for r in recs if isinstance(r, (Run, Checkpoint, Question))]

    def frame(rows, response):
        return pd.DataFrame([{**{k: v for k, v in s.row().items() if k != "sample_id"}, "response": response}
                             for s in rows])

    with Store(tmp_path / "s.duckdb") as s:
        s.add(others)
        # the same answer twice in one call: the first row wins, as Store.add keeps the first record
        assert s.ingest_answers(frame(samples[:2] + samples[:1], "first").iloc[[0, 1, 2]].assign(
            response=["first", "first", "second"])) == {"samples": 2}
        assert s.query("SELECT count(*) AS n FROM samples WHERE response = 'second'").n[0] == 0
        # two stored, two new: the new go in, the stored stay as they were (no error, nothing twice)
        assert s.ingest_answers(frame(samples, "later")) == {"samples": 2}
        got = s.query("SELECT response, count(*) AS n FROM samples GROUP BY ALL ORDER BY ALL")
        assert got.values.tolist() == [["first", 2], ["later", 2]]


def test_store_add_keys_many_records_in_bulk_equal_to_their_own_keys():
    """Store.add of many answers and judgments computes their keys a column at a time (store._bulk.with_bulk_keys):
    the key each record then holds is the one it computes itself."""
    import dataclasses

    from emwatch.store._bulk import with_bulk_keys

    def rebuild(r):  # the same record, its key not computed yet
        return type(r)(**{f.name: getattr(r, f.name) for f in dataclasses.fields(r)})

    recs = _records() * 10
    got = with_bulk_keys([rebuild(r) for r in recs])
    bulk = [r for r in got if isinstance(r, (Sample, Judgment))]
    assert len(bulk) == 680 and all("key" in r.__dict__ for r in bulk)  # set in bulk, not left to each record
    assert [r.key for r in got] == [rebuild(r).key for r in recs]


def test_no_column_gives_no_keys_and_only_a_nan_text_is_missing():
    from emwatch.store._keys import _column_json, bulk_keys

    assert bulk_keys("sample") == []
    # in a text column a NaN is a missing text (pandas' gap): JSON null, as None is; a float stays a number
    assert _column_json(["a", float("nan"), 1.5, None], text=True).to_pylist() == ['"a"', "null", "1.5", "null"]
    assert _column_json(["a", float("nan"), 1.5, None]).to_pylist() == ['"a"', "NaN", "1.5", "null"]


# -- random columns: every container a caller may pass, every kind of value a key part may hold ------------------

def _random_value(rng, kind: str):
    import math

    texts = ["", "a", "naïve", "東京 🙂", 'q"uote', "back\\slash", "nl\nnul\x00us\x1f", "\u2028\x7f", "e\u0301"]
    if kind == "text":
        return None if rng.random() < 0.15 else str(rng.choice(texts)) + str(int(rng.integers(0, 4)))
    if kind == "int":
        return int(rng.choice([0, 1, -1, 255, 256, 2**31, -2**63, 2**64 + 3, 10**30]))
    if kind == "float":
        return float(rng.choice([0.0, -0.0, 1.0, 0.1 + 0.2, 1e300, -1e-300, math.inf, -math.inf, math.nan, 2.5]))
    if kind == "json":
        return rng.choice([lambda: {"b": [1, 2.0, None, True], "a": {"é": "x\n"}}, lambda: [1, "two", {"3": 4.5}],
                           lambda: {"t": float(rng.random())}, lambda: {}, lambda: None, lambda: True,
                           lambda: "text", lambda: 7])()
    return _random_value(rng, str(rng.choice(["text", "int", "float", "json"])))  # mixed


def _containers(values, kind: str):
    """The column as the containers a caller may pass, each with the values its rows hold (what content_key is
    given for a row: the container's `tolist()` / `to_pylist()`)."""
    import numpy as np
    import pyarrow as pa

    out = [(values, values), (pd.Series(values, dtype=object), values)]
    if kind == "int" and all(-2**63 <= v < 2**63 for v in values):
        out += [(np.array(values, dtype=np.int64), values), (pd.Series(values, dtype="int64"), values),
                (pa.array(values, pa.int64()), values)]
    if kind == "float":
        out += [(np.array(values, dtype=np.float64), values), (pa.array(values, pa.float64()), values)]
    if kind == "text":
        coded = pa.array(values, pa.string()).dictionary_encode()  # a dictionary column, as ingest passes ids
        out += [(pa.array(values, pa.string()), values), (pa.array(values, pa.large_string()), values),
                (pd.Series(values, dtype="str"), pd.Series(values, dtype="str").tolist()), (coded, values),
                (pa.chunked_array([coded.slice(0, len(values) // 2), coded.slice(len(values) // 2)]), values)]
    return out


def test_bulk_keys_equal_content_key_over_random_columns():
    import numpy as np

    from emwatch.store._keys import content_key

    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(1, 40))
        kinds = [str(rng.choice(["text", "int", "float", "json", "mixed"])) for _ in range(int(rng.integers(1, 4)))]
        columns = [[_random_value(rng, k) for _ in range(n)] for k in kinds]
        choices = [_containers(col, k) for col, k in zip(columns, kinds)]
        picked = [c[int(rng.integers(0, len(c)))] for c in choices]
        want = [content_key("k", *row) for row in zip(*(rows for _, rows in picked))]
        assert bulk_keys("k", *(given for given, _ in picked)) == want, (trial, kinds, [type(g) for g, _ in picked])


def test_sample_and_judgment_keys_equal_the_records_over_random_inputs():
    """Random texts (unicode, escapes, missing as None or NaN), indexes (Python ints beside bools and floats,
    numpy, beyond int64), sampling mappings (nested, shared objects or not): the keys of the records."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(11)
    shared = [{"temperature": 1.0, "seed": 0}, {"n": [1, {"é": None}], "top_p": 0.95, "x": -0.0}, {}]
    for trial in range(20):
        n = int(rng.integers(1, 60))
        cks = [_random_value(rng, "text") or "ck" for _ in range(n)]
        qs = [_random_value(rng, "text") or "q" for _ in range(n)]
        idx = [v for v in rng.choice([0, 1, 7, 300, 2**40, 2**70, True, 2.0], n).tolist()] if trial % 2 else \
            [int(v) for v in rng.integers(0, 10**6, n)]
        maps = [shared[int(rng.integers(0, 3))] if rng.random() < 0.7 else {"t": float(rng.random()), "s": "ü"}
                for _ in range(n)]
        want = [Sample(checkpoint_id=c, question_key=q, sample_index=i, sampling=m).key
                for c, q, i, m in zip(cks, qs, idx, maps)]
        assert sample_keys(cks, qs, idx, maps) == want, trial
        if trial % 2 == 0:  # a caller's DataFrame: pandas text columns, numpy int64 indexes
            frame = pd.DataFrame({"c": pd.Series(cks, dtype="str"), "q": qs, "i": idx, "s": maps})
            assert frame["i"].dtype == "int64"
            assert sample_keys(frame["c"], frame["q"], frame["i"], frame["s"]) == want, trial
        hashes = [None if rng.random() < 0.3 else _random_value(rng, "text") for _ in range(n)]
        judges = [_random_value(rng, "text") or "j" for _ in range(n)]
        want = [Judgment(sample_id=s, judge_model=j, metric="aligned", prompt_hash=h, score=1.0).key
                for s, j, h in zip(want, judges, hashes)]
        with_nan = [float("nan") if h is None and i % 2 else h for i, h in enumerate(hashes)]  # pandas' gap
        assert judgment_keys(pa.array(sample_keys(cks, qs, idx, maps)), pd.Series(judges, dtype="str"),
                             ["aligned"] * n, with_nan) == want, trial


def test_integer_columns_beyond_int64_keep_their_value():
    import numpy as np

    from emwatch.store._keys import content_key

    big = [2**63 + 5, 2**64 - 1, 0]
    assert bulk_keys("k", np.array(big, dtype=np.uint64)) == [content_key("k", v) for v in big]
    assert bulk_keys("k", [2**70, -2**70]) == [content_key("k", 2**70), content_key("k", -2**70)]


def test_columns_go_through_the_column_paths_not_a_value_at_a_time(monkeypatch):
    """A million answers are three million key parts: integer and text columns are encoded by Arrow, mappings one
    distinct object at a time, a text needing escapes once per distinct text. Counted by wrapping the encoders."""
    import numpy as np
    import pyarrow as pa

    import emwatch.store._keys as keys

    calls = {"part": 0, "str": 0}
    part, json_str = keys._part_json, keys._json_str

    def counted_part(v):
        calls["part"] += 1
        return part(v)

    def counted_str(v):
        calls["str"] += 1
        return json_str(v)

    monkeypatch.setattr(keys, "_part_json", counted_part)
    monkeypatch.setattr(keys, "_json_str", counted_str)
    n = 600
    ints = np.arange(1000, 1000 + n)
    texts = [f"ck{i % 3}" for i in range(n)]
    escaped = [f'q"{i % 2}' for i in range(n)]
    maps = [{"t": 1.0}, {"t": 0.5}] * (n // 2)
    got = keys.sample_keys(texts, escaped, ints, maps)
    assert calls == {"part": 2, "str": 2}  # two distinct mappings, two distinct texts with a quote
    assert got == [Sample(checkpoint_id=c, question_key=q, sample_index=int(i), sampling=m).key
                   for c, q, i, m in zip(texts, escaped, ints, maps)]
    calls.update(part=0, str=0)
    gaps = [None if i % 5 == 0 else t for i, t in enumerate(texts)]
    got = keys.judgment_keys(pd.Series(texts, dtype="str"), pd.Series(texts, dtype=object), pd.Series(gaps, dtype="str"),
                             [None] * n)
    assert calls == {"part": 0, "str": 0}
    assert got == [Judgment(sample_id=s, judge_model=j, metric=m, score=1.0).key for s, j, m in zip(texts, texts, gaps)]
    calls.update(part=0, str=0)  # (the records' own keys count too)
    keys.bulk_keys("k", pd.Series(ints), pd.Series(gaps, dtype=object), pa.array(gaps), np.array(texts))
    assert calls == {"part": 0, "str": 0}
    # ... and what only the value-at-a-time path encodes right goes there: a float, a mapping, a text beside a number
    got = keys.bulk_keys("k", [1.5] * n, [{"a": 1}] * n, ["x", 2] * (n // 2))
    assert calls == {"part": 4, "str": 1}  # 1.5, the mapping, "x" (its escape: json's encoder) and 2
    assert got[:2] == [keys.content_key("k", 1.5, {"a": 1}, "x"), keys.content_key("k", 1.5, {"a": 1}, 2)]


def test_a_missing_checkpoint_or_question_in_a_pandas_text_column_is_json_null():
    """The checkpoint and question columns are text parts: pandas' gap in them (NaN) is a missing text, JSON
    null, as the record with None; elsewhere (a number column) a NaN stays the number NaN."""
    cks = pd.Series(["c", None, "c"], dtype="str")
    qs = pd.Series([None, "q", "q"], dtype="str")
    assert cks.isna().tolist() == [False, True, False] and cks.tolist()[1] != cks.tolist()[1]  # NaN, not None
    want = [Sample(checkpoint_id=c, question_key=q, sample_index=i, sampling={}).key
            for i, (c, q) in enumerate([("c", None), (None, "q"), ("c", "q")])]
    assert sample_keys(cks, qs, [0, 1, 2], [{}] * 3) == want
    assert sample_keys(cks.astype(object), qs.astype(object), [0, 1, 2], [{}] * 3) == want


def test_judgments_go_in_key_order_keeping_the_first_of_equal_keys():
    """The rows ingest writes (store._bulk._first_of_each_key): ordered, the rows of the keys in the texts' order,
    of equal keys the caller's first, whether keys share their first 16 digits (numpy sorts on those) or not, in
    a sliced Arrow array too, and for keys that are not 24 hex digits; unordered, None when all differ."""
    import hashlib

    import numpy as np
    import pyarrow as pa

    from emwatch.store._bulk import _first_of_each_key

    def want(keys):
        first = {}
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        return sorted(first.values(), key=lambda i: keys[i])

    rng = np.random.default_rng(3)
    for trial in range(60):
        n = int(rng.integers(1, 80))
        keys = [hashlib.sha256(str(int(rng.integers(0, n // 2 + 2))).encode()).hexdigest()[:24] for _ in range(n)]
        if trial % 3 == 0:  # the same first 16 digits: told apart by the last 8
            keys = ["0123456789abcdef" + k[16:] for k in keys]
        if trial % 5 == 0:  # not hex keys: sorted as texts
            keys = [k.upper() if i % 2 else k + "!" for i, k in enumerate(keys)]
        got = _first_of_each_key(pa.array(keys), ordered=True)
        assert got.tolist() == want(keys), trial
        if n > 1:
            assert _first_of_each_key(pa.array(["x"] + keys).slice(1), ordered=True).tolist() == want(keys), trial
        unordered = _first_of_each_key(pa.array(keys), ordered=False)
        assert (unordered is None) == (len(set(keys)) == n), trial
        if unordered is not None:
            assert unordered.tolist() == sorted(want(keys)), trial


def test_ingest_writes_the_judgments_in_key_order(tmp_path):
    """DuckDB builds its key index faster from sorted keys: the judgments' rows are stored in key order (and the
    answers in the caller's)."""
    recs = _records()
    samples = [r for r in recs if isinstance(r, Sample)]
    judgments = [r for r in recs if isinstance(r, Judgment)]
    row_of = {s.key: i for i, s in enumerate(samples)}
    sframe = pd.DataFrame([{k: v for k, v in s.row().items() if k != "sample_id"} for s in samples])
    jframe = pd.DataFrame([{**{k: v for k, v in j.row().items() if k not in ("judgment_id", "sample_id")},
                            "sample": row_of[j.sample_id]} for j in judgments])
    with Store(tmp_path / "s.duckdb") as store:
        store.add([r for r in recs if isinstance(r, (Run, Checkpoint, Question))])
        store.ingest_answers(sframe, jframe)
        stored = store.query("SELECT judgment_id FROM judgments").judgment_id.tolist()
        answers = store.query("SELECT sample_id FROM samples").sample_id.tolist()
    assert stored == sorted(j.key for j in judgments) != [j.key for j in judgments]
    assert answers == [s.key for s in samples]


def test_dictionary_columns_with_other_dictionaries_per_chunk_or_missing_rows_equal_content_key():
    import pyarrow as pa

    from emwatch.store._keys import content_key

    chunked = pa.chunked_array([pa.array(["x", "y", None]).dictionary_encode(), pa.array(['z"', "x"]).dictionary_encode()])
    assert bulk_keys("k", chunked) == [content_key("k", v) for v in ["x", "y", None, 'z"', "x"]]
    gaps = pa.DictionaryArray.from_arrays(pa.array([0, None, 1, 0]), pa.array(["p", None]))  # a null row, a null value
    assert bulk_keys("k", gaps) == [content_key("k", v) for v in ["p", None, None, "p"]]


def test_keys_hashed_from_several_threads_at_once_are_the_records_keys():
    """Each thread hashes through its own cursor on one in-memory DuckDB (an ingest hashes in a thread of its own
    while another may add records): keys computed at once from four threads are content_key's."""
    import threading

    from emwatch.store._keys import content_key

    cols = [[f"ck{i % 7}" for i in range(2000)], list(range(2000))]
    want = [content_key("sample", c, i) for c, i in zip(*cols)]
    got: list[bool] = []

    def run():
        got.extend(bulk_keys("sample", *cols) == want for _ in range(5))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [True] * 20
