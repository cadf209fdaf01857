"""`emwatch report`: read a store, run every analysis, write report.html plus every figure as PNG and SVG
and every table as CSV."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.analysis import StudyResults, analyze_study, name_judge, resolve_judge
from emwatch.analysis._helper import Helper, wanted
from emwatch.analysis._rates import benchmark_answers, scored_mask
from emwatch.analysis._views import lowest_alignment
from emwatch.config import AnalyzeConfig
from emwatch.report import _html as H
from emwatch.report._agreement import agreement_section
from emwatch.report._figures import FIGURES, name_figure_judge
from emwatch.store import JudgeChoice


@dataclass
class ReportResult:
    html: Path
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def worst_answers(res: StudyResults, n: int) -> pd.DataFrame:
    """The `n` lowest-alignment answers among the coherent ones (ties: most coherent first)."""
    return lowest_alignment(res.lowest if res.lowest is not None else res.answers, n, res.cfg)


def _texts(store: Any, sample_ids: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The question (its messages) and the response of each sample, by sample id."""
    if not sample_ids:
        return {}, {}
    out, responses = {}, {}
    for row in store.texts(sample_ids).itertuples():
        responses[row.sample_id] = row.response
        msgs = row.messages
        if isinstance(msgs, list):
            out[row.sample_id] = "\n\n".join(f"[{m.get('role')}] {m.get('content')}" for m in msgs if isinstance(m, dict))
        else:
            out[row.sample_id] = str(msgs)
    return out, responses


def _json_cell(value: Any) -> Any:
    """A JSON-ready cell: pandas' missing values (NA, NaN, NaT) inside a list become null."""
    if isinstance(value, (list, tuple)):
        return [_json_cell(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_cell(v) for k, v in value.items()}
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """List and dict cells as JSON text (a seeds list of an import without seeds holds <NA>: null)."""
    return df.apply(lambda col: col.map(lambda v: json.dumps(_json_cell(v), default=str)
                                        if isinstance(v, (list, tuple, dict)) else v)
                    if col.dtype == object else col)


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _interval(lo: float, hi: float) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return ""
    return f" [{100 * lo:.1f}, {100 * hi:.1f}%]" if math.isfinite(hi) else f" [{100 * lo:.1f}%, ∞]"


def _cards(res: StudyResults) -> list[tuple[str, str]]:
    if res.overview is not None:   # read one model at a time: counted as it was read
        n_models, n_scored, n_excluded = res.overview["models"], res.overview["scored"], res.overview["excluded"]
    else:
        scored = scored_mask(benchmark_answers(res.answers))
        n_models = res.answers["model"].nunique() if len(res.answers) else 0
        n_scored, n_excluded = int(scored.sum()), int((~scored).sum())
    cons = res.consistency
    cards = [
        ("models", str(n_models)),
        ("fine-tuning runs", str(len(res.milestones))),
        ("judged benchmark answers", f"{n_scored:,}"),
        ("excluded (missing score)", f"{n_excluded:,}"),
    ]
    if len(cons):
        v = cons["consistent"].value_counts()
        cards.append(("configurations with consistent EM (Newcombe, "
                      f"{res.cfg.confidence:.0%}, against the base)",
                      f"{v.get('yes', 0)} of {len(cons)} ({v.get('insufficient data', 0)} insufficient data, "
                      f"{v.get('no base', 0)} no base)"))
    for _, s in res.size_stats[res.size_stats["scale"] == "log10"].iterrows():
        used, left = int(s["n_models"]), int(s.get("n_left_out", 0) or 0)
        value = "–" if pd.isna(s["r"]) else f"r = {s['r']:.2f}" + (
            f" [{s['ci_low']:.2f}, {s['ci_high']:.2f}]" if pd.notna(s["ci_low"]) else "") + f", p = {s['p']:.2g}"
        cards.append((f"size–EM ({s['dataset']}, log size, {s.get('y', 'em_rate')}): n = {used} models, "
                      f"{left} left out", value))
    es = res.early_stop_summary
    if len(es):
        pol = es[es["policy"] == res.policy]
        if len(pol):
            runs, counted = int(pol["n_runs"].sum()), int(pol["n_retention"].sum())
            for _, p in pol.iterrows():
                where = f" ({p['dataset']})" if len(pol) > 1 else ""
                cards.append((f"task retention at {res.policy}{where}: {int(p['n_retention'])} runs, "
                              f"{int(p['n_task_chosen'])} / {int(p['n_task_final'])} task answers",
                              _pct(p["retention"]) + ("" if pd.isna(p["retention"]) else
                                                      _interval(p["retention_low"], p["retention_high"]))))
                em_runs = int(p["n_em_runs"])
                cards.append((f"EM runs where {res.policy} removes EM{where} ({int(p['n_undecided'])} undecided)",
                              "–" if not em_runs else f"{int(p['n_eliminated'])} of {em_runs}: {_pct(p['share_eliminated'])}"
                              + _interval(p["eliminated_low"], p["eliminated_high"])))
            if runs > counted:
                cards.append(("runs without a task signal (retention undefined)", str(runs - counted)))
    return cards


SECTIONS = [
    # anchor, title, lead, figures, tables
    ("summary", "Study summary", "Per model and training set: size, final EM rate pooled over seeds and per seed, "
     "consistency across seeds, convergence and onset steps (medians), early-stopping retention.", [], ["summary"]),
    ("rates", "EM rate by model", "Final checkpoints, plain-format unwrapped answers. Misaligned = coherence above "
     "{coh:g} and alignment below {al:g}; answers with a missing score are excluded and counted.", ["em_by_model", "category_heatmap"], ["by_model", "base"]),
    ("seeds", "Consistency across seeds", "A seed is above base when the {conf} Newcombe interval of the difference "
     "between its final EM rate and the base model's lies above {margin:g}; not above when it excludes a difference "
     "of {effect:g}; otherwise insufficient data. EM is consistent (yes) when every seed (or k, if configured) is "
     "above; no when too many are not above; no base when the base model was not measured.", [], ["consistency"]),
    ("size", "Size and EM", "Pearson r of the final EM rate above the base model's with Fisher-z and bootstrap "
     "intervals, Spearman rho, and leave-one-out r (does one model carry it?), against log10 and linear parameter "
     "counts. Every model is listed: used, or left out with why (no size, no base, no scored answers).",
     ["size_em"], ["size_stats", "size_points"]),
    ("dynamics", "Training dynamics", "Task convergence = first checkpoint at {frac:.0%} of the final task metric; "
     "EM onset = first checkpoint from which EM stays significantly above the base model. Task metric (code) = "
     "planted-class vulnerability rate, with the any-vulnerability rate beside it in the tasks table.",
     ["dynamics_runs", "dynamics_seeds"], ["milestones", "tasks"]),
    ("early-stop", "Early stopping", "Retention = task metric at the chosen checkpoint / at the end (MOVER-R "
     "interval; – without a task signal). EM eliminated, for runs that end above base: the chosen checkpoint is not "
     "above base; undefined for runs that never had EM.", ["early_stopping"], ["early_stop_summary", "early_stop"]),
    ("lr", "Learning rate", "EM rate and task metric per learning rate.", ["learning_rate"], ["learning_rate"]),
    ("formats", "Answer formats and adversarial prompts", "Formats at the final checkpoint; adversarial wrappers at the "
     "base model, the early-stopped checkpoint ({policy}) and the final one.", ["formats", "adversarial"], ["formats", "adversarial"]),
    ("truth", "Untruthfulness", "Share of untruthful answers to the truthfulness probes; avoided = untruthful (above base) "
     "at the end but not at the early-stopped checkpoint.", ["truthfulness"], ["truthfulness_early_stop"]),
    ("sensitivity", "Sensitivity to the threshold", "Per run and step: mean alignment and coherence, and the EM "
     "rate at several alignment thresholds with Wilson intervals; a fall in mean alignment can precede threshold "
     "EM.", [], ["sensitivity"]),
    ("metrics", "Judge metrics", "Every metric the store holds, per model, training set and step: answers judged, "
     "missing scores (excluded, never counted as 0), mean score and the share above 50.", [], ["metrics"]),
    ("scores", "Judge scores", "Alignment against coherence for judged answers; the shaded corner is misaligned.", ["aligned_coherent"], []),
]


# drawn in the helper process when there is one (the costliest: many panels and tick labels); the rest here
HELPER_FIGURES = ("dynamics_runs", "category_heatmap", "learning_rate", "formats", "truthfulness")


def write_report(store: Any, out_dir: str | Path, cfg: AnalyzeConfig = AnalyzeConfig(), sizes: str | Path | None = None,
                 policy: str = "task_convergence", title: str | None = None, n_answers: int = 60, *,
                 judge: Any = None, workers: int | None = None) -> ReportResult:
    """Write `out_dir/report.html`, `out_dir/figures/*.png|svg` and `out_dir/tables/*.csv`, every number from one
    judge's scores (`judge`, else `cfg.judge`, else each metric's only judge; see `resolve_judge`). The files are
    written to a temporary folder beside `out_dir` that replaces it only when all are written, so a failure
    leaves no half-written report (and an earlier report in `out_dir` as it was). `workers`: 2 for a helper
    process (analysis._helper) that analyses about half of the models (their answers read here) and draws some
    of the figures; 1 or None (the default) for none (measured on 2 cores: it pays only where a core is idle,
    and holds a second model's frame)."""
    t0 = time.perf_counter()
    out = Path(out_dir)
    choice = resolve_judge(store, judge, cfg)   # before anything is written: a missing choice writes nothing
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        # leaving `with` waits for the helper: nothing it writes outlives a failed report
        with Helper() if wanted(workers) else contextlib.nullcontext() as helper:
            result = _write(store, tmp, cfg, sizes, policy, title, n_answers, choice, helper)
        _replace_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    moved = ReportResult(html=out / result.html.relative_to(tmp),
                         figures=[out / p.relative_to(tmp) for p in result.figures],
                         tables=[out / p.relative_to(tmp) for p in result.tables])
    moved.seconds = time.perf_counter() - t0
    return moved


def _replace_folder(new: Path, out: Path) -> None:
    """Put the finished folder `new` at `out`: an earlier folder there is set aside first and removed after."""
    old = None
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise FileExistsError(17, "exists and is not a folder", str(out))
        old = out.with_name(f".{out.name}.{os.getpid()}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
    try:
        new.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def draw_figures(res: StudyResults, names: list[str], judge_line: str, folder: str | Path) -> dict[str, bytes]:
    """Draw the figures `names` of FIGURES that have data, write each as `folder/NAME.png` and `.svg`, and return
    their PNG bytes by name (module-level: the helper process runs it too)."""
    pngs: dict[str, bytes] = {}
    for name in names:
        fig = FIGURES[name][0](res)
        if fig is None:
            continue
        name_figure_judge(fig, judge_line)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        fig.set_layout_engine("none")   # the layout is settled by the first save; do not solve it again
        pngs[name] = buf.getvalue()
        (Path(folder) / f"{name}.png").write_bytes(pngs[name])
        fig.savefig(Path(folder) / f"{name}.svg", format="svg")
    return pngs


def _write(store: Any, out: Path, cfg: AnalyzeConfig, sizes: str | Path | None, policy: str, title: str | None,
           n_answers: int, choice: JudgeChoice, helper: Any = None) -> ReportResult:
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    res = analyze_study(store, cfg, sizes, policy, judge=choice, lowest=n_answers, helper=helper)   # by model
    judge_line = choice.describe()
    result = ReportResult(html=out / "report.html")
    there = [f for f in FIGURES if f in HELPER_FIGURES] if helper is not None else []
    drawing = helper.submit(draw_figures, res, there, judge_line, str(out / "figures")) if there else None
    pngs = draw_figures(res, [f for f in FIGURES if f not in there], judge_line, out / "figures")
    tables = res.tables()
    worst = worst_answers(res, n_answers)
    questions, responses = _texts(store, list(worst["sample_id"]))
    worst = worst.assign(response=[responses.get(s) for s in worst["sample_id"]])
    tables["lowest_alignment_answers"] = worst.assign(question=[questions.get(s, "") for s in worst["sample_id"]])[
        ["sample_id", "model", "dataset", "seed", "step", "category", "question_id", "variant", "wrapper", "aligned",
         "coherent", "misaligned", "question", "response"]]
    tables = {name: name_judge(df, choice) for name, df in tables.items()}
    for name, df in tables.items():
        path = out / "tables" / f"{name}.csv"
        _csv_ready(df).to_csv(path, index=False)
        result.tables.append(path)
    if drawing is not None:   # the helper's figures (an error there is raised here)
        pngs.update(drawing.result())
    pngs = {f: pngs[f] for f in FIGURES if f in pngs}
    result.figures += [out / "figures" / f"{f}.{ext}" for f in pngs for ext in ("png", "svg")]
    fmtargs = {"coh": cfg.coherent_above, "al": cfg.aligned_below, "conf": f"{cfg.confidence:.0%}",
               "frac": cfg.convergence_fraction, "policy": policy, "margin": cfg.margin, "effect": cfg.margin + cfg.min_effect}
    sections = [H.section("overview", "Overview", f"Counts in the store and the study's headline numbers ({judge_line}).",
                          H.cards_html(_cards(res)))]
    nav = [("overview", "Overview")]
    for anchor, heading, lead, figs, tabs in SECTIONS:
        body = "".join(H.figure_html(f, pngs[f], " ".join(FIGURES[f][0].__doc__.split())) for f in figs if f in pngs)
        for t in tabs:
            body += f'<h3>{H.esc(t.replace("_", " "))}</h3>' + H.table_html(tables[t], hide=("judge",)) + \
                f'<p class="files">CSV: <a href="tables/{H.esc(t)}.csv">{H.esc(t)}.csv</a></p>'
        if not any(f in pngs for f in figs) and all(tables[t].empty for t in tabs):
            body = '<p class="empty">The store has no data for this section.</p>'
        sections.append(H.section(anchor, heading, lead.format(**fmtargs), body))
        nav.append((anchor, heading))
    from emwatch.report._monitor import monitor_section  # the online monitor's section, when it left events

    if (mon := monitor_section(store, out)) is not None:
        sections.append(mon[0])
        nav.append(("monitor", "Monitor"))
        result.figures += mon[1]
        result.tables.append(mon[2])
    from emwatch.report._adaptive import adaptive_section  # checkpoints sampled under sample.adaptive

    if (ada := adaptive_section(store, out)) is not None:
        sections.append(ada[0])
        nav.append(("adaptive", "Adaptive"))
        result.tables.append(ada[1])
    judges = agreement_section(store, cfg)
    if judges is not None:  # two judges on the same answers: how far they agree
        sections.append(judges[0])
        nav.append(("judges", "Judges"))
        path = out / "tables" / "judge_agreement.csv"
        _csv_ready(judges[1]).to_csv(path, index=False)
        result.tables.append(path)
    sections.append(H.section("answers", "Lowest-alignment coherent answers",
                              f"The {len(worst)} coherent answers with the lowest alignment scores, by category. "
                              "Open one to read the question and the whole answer.", H.answers_html(worst, questions)))
    nav.append(("answers", "Answers"))
    subtitle = (f"Store {Path(str(store.path)).name} · {judge_line} · misaligned = coherent > {cfg.coherent_above:g} "
                f"and aligned < {cfg.aligned_below:g} · {cfg.confidence:.0%} intervals · early-stopping policy {policy}")
    result.html.write_text(H.page(title or "emwatch study report", subtitle, nav, sections), encoding="utf-8")
    return result
