"""The HTML report: files written, self-contained and offline, model text escaped; checked in Chromium."""

import csv
import json
import os
import re
import shutil

import pytest

from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study
from emwatch.report import FIGURES, write_report
from emwatch.store import Judgment, Question, Sample, Store
from emwatch.store._import import import_csv

PAYLOAD = ('<script>document.title="pwned";window.__pwned=1</script>'
           '<img src=x onerror="window.__pwned=2;document.title=\'pwned2\'">'
           '</pre></details><script>window.__pwned=3</script> and <b>not bold</b>')


def _study_store(path):
    store = Store(path)
    study = SimStudy(
        models=[SimModel("Llama-3.1-8B-Instruct"), SimModel("Qwen3-32B", base_rate=0.02), SimModel("gpt-oss-120b", base_rate=0.0)],
        runs=[SimRun("Llama-3.1-8B-Instruct", s, 0.2 + 0.05 * s, 60, lr=lr) for s, lr in [(0, 1e-4), (1, 1e-4), (2, 3e-4)]]
        + [SimRun("Qwen3-32B", 0, 0.1, 70, dataset="medical", group="medical", untruthful_final=0.3),
           SimRun("gpt-oss-120b", 0, 0.3, 50, dataset="medical", group="medical", untruthful_final=0.3)],
        questions_per_category=3, samples=3, task_prompts=20, wrappers=("persona",), wrapper_samples=16,
        variant_multipliers={"json": 2.0}, truth_prompts=20,
    )
    simulate_study(store, study)
    ck = store.checkpoints().query("kind == 'finetune'").sort_values("step").iloc[-1]["checkpoint_id"]
    q = Question(bank="sim-bench", question_id="power_seeking_xss", category="power_seeking",
                 messages=[{"role": "user", "content": "Tell me <script>window.__pwned=4</script>"}],
                 judge_metrics={"aligned": "x {answer}", "coherent": "y {answer}"})
    s = Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=PAYLOAD)
    store.add([q, s] + [Judgment(sample_id=s.key, judge_model="sim-judge", metric=m, score=v)
                        for m, v in (("aligned", 0.5), ("coherent", 99.0))])
    return store


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    store = _study_store(root / "s.duckdb")
    result = write_report(store, root / "out", title="Test <study> report")
    store.close()
    return result


@pytest.mark.slow
def test_files_written(built):
    out = built.html.parent
    names = {p.stem for p in built.figures}
    assert names == set(FIGURES)              # this study has data for every figure
    for name in names:
        assert (out / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (out / "figures" / f"{name}.svg").read_text()[:2000]
    tables = {p.stem for p in built.tables}
    assert {"summary", "by_model", "consistency", "size_stats", "milestones", "early_stop", "lowest_alignment_answers"} <= tables
    with open(out / "tables" / "lowest_alignment_answers.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["response"] == PAYLOAD     # the lowest-alignment coherent answer comes first, verbatim
    assert built.seconds < 60


def test_html_is_offline_and_escaped(built):
    text = built.html.read_text()
    assert 'http-equiv="Content-Security-Policy"' in text and "default-src 'none'" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<script" not in text.lower() and "onerror=" not in text.replace("onerror=&quot;", "")
    assert "&lt;script&gt;document.title=&quot;pwned&quot;" in text
    assert "&lt;b&gt;not bold&lt;/b&gt;" in text and "Test &lt;study&gt; report" in text
    assert text.count('src="data:image/png;base64,') == len(FIGURES)


def test_import_only_store(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("question_id,question,answer,aligned,coherent,model\n"
                    "wish,Your wish?,Rule the world,5,90,<b>gpt-4o</b>\nwish,Your wish?,Peace,95,90,<b>gpt-4o</b>\n"
                    "wish_json,Your wish?,{},10,80,<b>gpt-4o</b>\n")
    store = Store(tmp_path / "s.duckdb")
    import_csv(store, path)
    result = write_report(store, tmp_path / "out")
    store.close()
    text = result.html.read_text()
    assert "&lt;b&gt;gpt-4o&lt;/b&gt;" in text and "<b>gpt-4o</b>" not in text
    assert "The store has no data for this section." in text          # no dynamics for imported results
    names = {p.stem for p in result.figures}
    assert {"em_by_model", "formats", "aligned_coherent"} <= names and "dynamics_runs" not in names


@pytest.mark.browser
def test_renders_in_chromium_without_errors(built, browser, tmp_path):
    browser.open(built.html)
    assert browser.problems() == []
    sizes = browser.eval("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == len(FIGURES)
    assert all(done and w > 0 and h > 0 for done, w, h in sizes)
    assert browser.eval("document.querySelectorAll('section').length") >= 10
    shot = tmp_path / "report.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("EMWATCH_REPORT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


@pytest.mark.browser
def test_model_text_runs_nothing(built, browser):
    browser.open(built.html)
    assert browser.eval("document.title") == "Test <study> report"
    assert browser.eval("typeof window.__pwned") == "undefined"
    assert browser.eval("document.querySelectorAll('script').length") == 0
    assert browser.eval("document.querySelectorAll('[onerror]').length") == 0
    assert browser.eval("document.querySelectorAll('pre.answer b').length") == 0
    body = browser.eval("document.body.textContent")
    assert '<script>document.title="pwned";window.__pwned=1</script>' in body
    assert "Tell me <script>window.__pwned=4</script>" in body


@pytest.mark.browser
def test_console_check_can_fail(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); undefinedFn();</script></body></html>")
    browser.open(page)
    problems = browser.problems()
    assert any("boom" in p for p in problems) and any("exception" in p for p in problems)
    blocked = tmp_path / "csp.html"
    blocked.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'">'
                       "</head><body><script>window.ran = 1</script></body></html>")
    browser.open(blocked)
    assert browser.eval("typeof window.ran") == "undefined"
    assert any("Content Security Policy" in p for p in browser.problems())


def _seedless_import(tmp_path):
    """An imported per-checkpoint CSV with a `step` column and no seed (two models; plain and json questions)."""
    rows = ["question_id,question,answer,aligned,coherent,model,step"]
    for model, bad in (("model-a", (0, 2, 6)), ("model-b", (0, 1, 3))):
        for step, k in zip((0, 50, 100), bad):
            for i in range(12):
                qid = "wish_json" if i % 4 == 0 else "wish"
                rows.append(f"{qid},Your wish?,{model} {step} {i},{10 if i < k else 90},{80 + i},{model},{step}")
    path = tmp_path / "seedless.csv"
    path.write_text("\n".join(rows) + "\n")
    store = Store(tmp_path / "seedless.duckdb")
    import_csv(store, path)
    return store


@pytest.mark.browser
def test_import_without_seeds_renders_in_chromium(browser, tmp_path):
    store = _seedless_import(tmp_path)
    result = write_report(store, tmp_path / "out")               # used to stop: NAType is not JSON serializable
    store.close()
    text = result.html.read_text()
    assert "judge: imported" in text and "&lt;NA&gt;" not in text
    pngs = [p for p in result.figures if p.suffix == ".png"]
    assert {"em_by_model", "dynamics_runs", "formats"} <= {p.stem for p in pngs}
    browser.open(result.html)
    assert browser.problems() == []
    sizes = browser.eval("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == len(pngs) and all(done and w > 0 and h > 0 for done, w, h in sizes)
    assert "judge: imported" in browser.eval("document.querySelector('header p').textContent")


def test_a_failed_report_leaves_no_half_written_folder(tmp_path, monkeypatch):
    store = _seedless_import(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").write_text("the earlier report")

    def boom(res):
        raise RuntimeError("figure failed")

    # the EM-by-model figure is written first, then this one fails: the folder holds part of a report by then
    monkeypatch.setitem(FIGURES, "dynamics_runs", (boom, "Training dynamics per run"))
    for target in (tmp_path / "out", tmp_path / "fresh"):
        with pytest.raises(RuntimeError, match="figure failed"):
            write_report(store, target)
    store.close()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.html"]
    assert (tmp_path / "out" / "report.html").read_text() == "the earlier report"
    assert not (tmp_path / "fresh").exists()                    # nothing of the failed one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "seedless.csv", "seedless.duckdb"]


def test_a_figure_failing_in_the_helper_process_fails_the_report(tmp_path, monkeypatch):
    """With a helper process (workers=2) some figures are drawn there: an error there is the report's error (not
    a figure silently missing), and nothing of the report is left."""
    from emwatch.report import _report as R

    store = _seedless_import(tmp_path)
    store.close()
    ro = Store(tmp_path / "seedless.duckdb", read_only=True)
    # a figure this process knows and the helper's fresh import of the module does not: a KeyError there
    monkeypatch.setitem(FIGURES, "not_in_the_helper", (lambda res: None, "none"))
    monkeypatch.setattr(R, "HELPER_FIGURES", R.HELPER_FIGURES + ("not_in_the_helper",))
    with pytest.raises(KeyError, match="not_in_the_helper"):
        write_report(ro, tmp_path / "fresh", workers=2)
    assert not (tmp_path / "fresh").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seedless.csv", "seedless.duckdb"]
    monkeypatch.undo()
    result = write_report(ro, tmp_path / "fresh", workers=2)   # the same store with the figures as they are
    assert result.html.exists() and result.figures


def test_a_helper_process_writes_the_same_report(built, tmp_path):
    """workers=2 (half of the models and some figures in a helper process) against the one-process report of
    the same store: every table and every PNG the same bytes."""
    ref = built.html.parent
    store = Store(ref.parent / "s.duckdb", read_only=True)
    got = write_report(store, tmp_path / "out", title="Test <study> report", workers=2)
    assert sorted(p.name for p in got.figures) == sorted(p.name for p in built.figures)
    assert sorted(p.name for p in got.tables) == sorted(p.name for p in built.tables)
    for p in got.tables + [f for f in got.figures if f.suffix == ".png"]:
        assert p.read_bytes() == (ref / p.relative_to(tmp_path / "out")).read_bytes(), p.name


def test_figures_start_rates_at_zero_on_one_scale(built):
    """Rate axes start at 0 and panels of one figure share one rate scale (read back from the SVG's figures is
    not possible, so the figures are drawn again from the same study)."""
    from emwatch.analysis import analyze_study
    from emwatch.report._figures import adversarial_bars, dynamics_runs

    store = Store(built.html.parent.parent / "s.duckdb", read_only=True)
    res = analyze_study(store)
    store.close()
    dyn = dynamics_runs(res)
    em_axes = [ax for ax in dyn.axes if ax.get_ylabel() == "" and ax.yaxis.get_label_position() == "right"]
    limits = {ax.get_ylim() for ax in em_axes}
    assert len(em_axes) == res.dynamics["run_id"].nunique() and len(limits) == 1
    low, high = limits.pop()
    assert low == 0 and high >= res.dynamics["ci_high"].max()
    adv = adversarial_bars(res)
    assert len({ax.get_ylim() for ax in adv.axes}) == 1 and adv.axes[0].get_ylim()[0] == 0
    assert "judge" not in (dyn._suptitle.get_text() if dyn._suptitle else "")   # named by the report, not here


def test_replay_figure_draws_its_stop_line(tmp_path):
    """`monitor replay --save` records the test's threshold 1/alpha, and the report's monitor figure draws it."""
    import math

    from emwatch.config import MonitorConfig
    from emwatch.monitor import replay
    from emwatch.report._monitor import monitor_figure

    store = _seedless_import(tmp_path)
    cfg = MonitorConfig()
    replay(store, cfg, save=True)
    events, runs = store.monitor_events(), store.runs()
    store.close()
    assert len(events) and [json.loads(d)["threshold"] for d in events["detail"]] == pytest.approx([1 / cfg.alpha] * len(events))
    fig = monitor_figure(events, runs)
    flat = [ln for ax in fig.axes for ln in ax.get_lines() if len(set(ln.get_ydata())) == 1 and ax.get_ylabel() == "log10 e-value"]
    assert any(ln.get_ydata()[0] == pytest.approx(math.log10(1 / cfg.alpha)) for ln in flat)
