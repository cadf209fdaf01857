"""The report's figures, drawn with matplotlib's object API on the Agg canvas (no pyplot, no display).

Each function takes the study's tidy frames and returns a Figure, or None when the store has nothing to
draw for it (an import-only store has no training dynamics, for instance).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from emwatch.analysis import StudyResults

TASK_COLOR, EM_COLOR, BASE_COLOR = "#1f6fb4", "#c8362d", "#6b6b6b"
PALETTE = ["#1f6fb4", "#c8362d", "#2e8b57", "#8e5cc2", "#d98a00", "#1a9aa0", "#a0522d", "#d45087"]
MAX_RUN_PANELS = 12


def _figure(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _ds(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _match(col: pd.Series, value: object) -> pd.Series:
    return col.isna() if not _ds(value) else (col == value)


def _seed(value: object) -> str:
    """A seed for a label: '–' where the run has none (an import without a seed column)."""
    return "–" if value is None or pd.isna(value) else str(value)


def _label(model: str, dataset: object) -> str:
    return f"{model} · {dataset}" if _ds(dataset) else str(model)


def _colors(keys: list) -> dict:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(dict.fromkeys(keys))}


def _wrap(text: str, width: int) -> str:
    """A title folded onto lines of about `width` characters at its spaces (a long title is wrapped, never cut
    off at the figure's edge); a word longer than a line is split only when it is longer than two lines."""
    text = str(text)
    return "\n".join(textwrap.wrap(text, width=max(12, width), break_on_hyphens=False,
                                    break_long_words=any(len(w) > 2 * width for w in text.split()))) or text


def _top(*columns: pd.Series) -> float:
    """The top of a rate axis shared by panels: above every interval shown (room for a label), at least 5%,
    at most 100% (plus that room)."""
    highs = [float(c.max(skipna=True)) for c in columns if len(c) and c.notna().any()]
    return min(1.08, max([0.05] + [h * 1.15 for h in highs]))


def em_by_model(res: StudyResults) -> Figure | None:
    """Final-checkpoint EM rate per model and dataset with its interval; the base model's rate as a mark."""
    d = res.by_model[res.by_model["group"] != "base"].dropna(subset=["em_rate"])
    if d.empty:
        return None
    d = d.sort_values("em_rate")
    base = dict(zip(res.base["model"], res.base["base_rate"]))
    colors = _colors([_ds(x) or "(no dataset)" for x in d["dataset"]])
    fig = _figure(8, 0.45 * len(d) + 1.4)
    ax = fig.add_subplot()
    y = np.arange(len(d))
    err = np.vstack([d["em_rate"] - d["ci_low"], d["ci_high"] - d["em_rate"]]).clip(min=0)
    ax.barh(y, d["em_rate"], xerr=err, color=[colors[_ds(x) or "(no dataset)"] for x in d["dataset"]], alpha=0.85, capsize=3)
    bx = [base.get(m, math.nan) for m in d["model"]]
    base_mark = ax.scatter(bx, y, marker="|", s=300, color="black", zorder=3, label="base model")
    ax.set_yticks(y, [f"{_label(m, ds)} ({_ds(g)})" if _ds(g) and _ds(g) != _ds(ds) else _label(m, ds)
                      for m, ds, g in zip(d["model"], d["dataset"], d["group"])])
    ax.set_xlabel("EM rate (share of coherent misaligned answers), final checkpoint")
    ax.set_xlim(0, max(0.05, float(d["ci_high"].max()) * 1.1))
    handles = [Patch(color=c, label=k) for k, c in colors.items()]
    ax.legend(handles=handles + [base_mark], loc="lower right", fontsize=8)
    ax.set_title("EM rate by model, final checkpoint", fontsize=11)
    return fig


def category_heatmap(res: StudyResults) -> Figure | None:
    """EM rate per model and benchmark category at the final checkpoint (base models included)."""
    d = res.categories.dropna(subset=["category"])
    if d.empty:
        return None
    d = d.assign(row=[_label(m, ds) for m, ds in zip(d["model"], d["dataset"])])
    grid = d.pivot_table(index="row", columns="category", values="em_rate", aggfunc="mean")
    fig = _figure(1.0 * grid.shape[1] + 4, 0.42 * grid.shape[0] + 2.2)
    ax = fig.add_subplot()
    im = ax.imshow(grid.to_numpy(float), cmap="Reds", vmin=0, vmax=max(0.05, float(np.nanmax(grid.to_numpy(float)))), aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [c.replace("_", "\n", 1) for c in grid.columns], fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid.iat[i, j]
            if not pd.isna(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="black" if v < 0.6 * im.norm.vmax else "white")
    fig.colorbar(im, ax=ax, label="EM rate")
    ax.set_title("EM rate by category (final checkpoint)")
    return fig


def size_scatter(res: StudyResults) -> Figure | None:
    """EM rate above the base model's (the correlation's y) against parameter count (log scale) with the fitted line
    and Pearson r per dataset; the models the correlation used."""
    y = res.size_stats["y"].iloc[0] if "y" in res.size_stats and len(res.size_stats) else "em_rate"
    pts = res.size_points[res.size_points["used"]] if "used" in res.size_points else res.size_points
    pts = pts.dropna(subset=["params_b", y]).assign(em_rate=lambda d: d[y])
    if pts.empty:
        return None
    fig = _figure(7.5, 4.8)
    ax = fig.add_subplot()
    colors = _colors([_ds(x) for x in pts["dataset"]])
    stats = res.size_stats[res.size_stats["scale"] == "log10"].assign(dataset=lambda s: s["dataset"].map(_ds)).set_index("dataset")
    for ds, g in pts.groupby(pts["dataset"].map(_ds)):
        label = ds or "(no dataset)"
        if ds in stats.index and not pd.isna(stats.loc[ds, "r"]):
            s = stats.loc[ds]
            label = f"{label}: r = {s['r']:.2f}" + (f" [{s['ci_low']:.2f}, {s['ci_high']:.2f}]" if not pd.isna(s["ci_low"]) else "")
            xs = np.linspace(np.log10(g["params_b"].min()), np.log10(g["params_b"].max()), 50)
            ax.plot(10 ** xs, s["slope"] * xs + s["intercept"], color=colors[ds], lw=1.5, alpha=0.8)
        ax.scatter(g["params_b"], g["em_rate"], color=colors[ds], label=label, s=40, zorder=3)
        for _, p in g.iterrows():
            ax.annotate(p["model"], (p["params_b"], p["em_rate"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("parameters (billions, log scale)")
    ax.set_ylabel("EM rate above base, mean over seeds" if y == "em_above_base" else "EM rate, mean over seeds")
    if y != "em_above_base":   # a difference with the base can be negative
        ax.set_ylim(0, _top(pts["em_rate"]))
    ax.legend(fontsize=8)
    ax.set_title("EM against model size")
    return fig


def _run_panel(ax, run: pd.DataFrame, ms: pd.Series | None, title: str, em_top: float = 1.0) -> None:
    run = run.sort_values("step")
    ax.plot(run["step"], run["task_rate"], color=TASK_COLOR, marker="o", ms=3, lw=1.5)
    ax.set_ylim(-0.02, 1.02)
    ax.tick_params(axis="y", colors=TASK_COLOR, labelsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax2 = ax.twinx()
    ax2.fill_between(run["step"], run["ci_low"], run["ci_high"], color=EM_COLOR, alpha=0.15, lw=0)
    ax2.plot(run["step"], run["em_rate"], color=EM_COLOR, marker="s", ms=3, lw=1.5)
    if run["base_rate"].notna().any():
        ax2.axhline(run["base_rate"].dropna().iloc[0], color=BASE_COLOR, ls=":", lw=1)
    ax2.set_ylim(0, em_top)
    ax2.tick_params(axis="y", colors=EM_COLOR, labelsize=7)
    if ms is not None:
        if not pd.isna(ms["convergence_step"]):
            ax.axvline(ms["convergence_step"], color=TASK_COLOR, ls="--", lw=1)
        if not pd.isna(ms["onset_step"]):
            ax.axvline(ms["onset_step"], color=EM_COLOR, ls="--", lw=1)
    ax.set_title(_wrap(title, 60), fontsize=8)


def dynamics_runs(res: StudyResults) -> Figure | None:
    """Per run: task metric (left axis, blue) and EM rate with its interval (right axis, red) against
    step, one EM scale for every panel; dashed lines mark task convergence (blue) and EM onset (red); dotted:
    the base model's EM."""
    dyn = res.dynamics.dropna(subset=["step"])
    if dyn.empty or dyn["step"].nunique() < 2:
        return None
    ms = res.milestones.set_index("run_id")
    runs = list(dict.fromkeys(dyn["run_id"]))[:MAX_RUN_PANELS]
    cols = min(3, len(runs))
    rows = math.ceil(len(runs) / cols)
    fig = _figure(4.2 * cols, 2.6 * rows + 0.6)
    shown = dyn[dyn["run_id"].isin(runs)]
    em_top = _top(shown["ci_high"], shown["em_rate"], shown["base_rate"])
    for i, rid in enumerate(runs):
        run = dyn[dyn["run_id"] == rid]
        r0 = run.iloc[0]
        ax = fig.add_subplot(rows, cols, i + 1)
        seed = _seed(r0["seed"])
        _run_panel(ax, run, ms.loc[rid] if rid in ms.index else None,
                   f"{_label(r0['model'], r0['dataset'])} seed {seed} lr {r0['lr']:g}" if not pd.isna(r0["lr"]) else
                   f"{_label(r0['model'], r0['dataset'])} seed {seed}", em_top)
    more = len(dict.fromkeys(dyn["run_id"])) - len(runs)
    fig.suptitle("Training dynamics: task metric (blue, left) and EM rate (red, right)"
                 + (f" — first {len(runs)} runs, {more} more in dynamics.csv" if more > 0 else ""), fontsize=10)
    return fig


def dynamics_overlay(res: StudyResults) -> Figure | None:
    """Seeds overlaid, one panel per model and dataset: EM rate (solid, one scale for every panel) and task
    metric (dashed)."""
    dyn = res.dynamics.dropna(subset=["step"])
    if dyn.empty or dyn["step"].nunique() < 2:
        return None
    keys = list(dict.fromkeys(zip(dyn["model"], dyn["dataset"])))[:MAX_RUN_PANELS]
    cols = min(3, len(keys))
    rows = math.ceil(len(keys) / cols)
    fig = _figure(4.2 * cols, 2.6 * rows + 0.6)
    em_top = _top(dyn["em_rate"])
    for i, (model, dataset) in enumerate(keys):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.set_ylim(0, em_top)
        ax2 = ax.twinx()
        sub = dyn[(dyn["model"] == model) & _match(dyn["dataset"], dataset)]
        for j, (rid, run) in enumerate(sub.groupby("run_id", sort=False)):
            run = run.sort_values("step")
            c = PALETTE[j % len(PALETTE)]
            ax.plot(run["step"], run["em_rate"], color=c, lw=1.5, label=f"seed {_seed(run['seed'].iloc[0])}")
            ax2.plot(run["step"], run["task_rate"], color=c, lw=1, ls="--", alpha=0.7)
        ax.set_ylabel("EM rate", fontsize=7)
        ax2.set_ylabel("task", fontsize=7)
        ax2.set_ylim(-0.02, 1.02)
        ax.tick_params(labelsize=7)
        ax2.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="upper left")
        ax.set_title(_wrap(_label(model, dataset), 60), fontsize=8)
    fig.suptitle("Seeds overlaid: EM rate (solid, left) and task metric (dashed, right)", fontsize=10)
    return fig


def early_stop_scatter(res: StudyResults) -> Figure | None:
    """Each run under each policy: task retention against EM rate at the chosen checkpoint."""
    es = res.early_stop.dropna(subset=["retention", "em_rate"])
    if es.empty:
        return None
    fig = _figure(7, 4.6)
    ax = fig.add_subplot()
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    for i, (policy, g) in enumerate(es.groupby("policy", sort=False)):
        ax.scatter(g["retention"], g["em_rate"], marker=markers[i % len(markers)], s=36, alpha=0.8,
                   color=PALETTE[i % len(PALETTE)], label=policy)
    base = es["base_rate"].dropna()
    if len(base):
        ax.axhline(float(base.mean()), color=BASE_COLOR, ls=":", lw=1, label="base EM (mean)")
    ax.set_xlabel("task retention (task metric at chosen step / at end of training)")
    ax.set_ylabel("EM rate at chosen step")
    ax.set_xlim(left=0)
    ax.set_ylim(0, _top(es["em_rate"], base))
    ax.legend(fontsize=8)
    ax.set_title("Early stopping: what it keeps against what it removes")
    return fig


def lr_figure(res: StudyResults) -> Figure | None:
    """EM rate (with interval) and final task metric per learning rate, one line per model."""
    d = res.learning_rate.dropna(subset=["lr"])
    if d.empty or d["lr"].nunique() < 2:
        return None
    fig = _figure(9, 3.8)
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    colors = _colors([_label(m, ds) for m, ds in zip(d["model"], d["dataset"])])
    for (model, dataset), g in d.groupby(["model", "dataset"], sort=True, dropna=False):
        g = g.sort_values("lr")
        c = colors[_label(model, dataset)]
        err = np.vstack([g["em_rate"] - g["ci_low"], g["ci_high"] - g["em_rate"]]).clip(min=0)
        ax1.errorbar(g["lr"], g["em_rate"], yerr=err, color=c, marker="o", capsize=3, label=_label(model, dataset))
        ax2.plot(g["lr"], g["task_rate"], color=c, marker="o")
    for ax, name in ((ax1, "EM rate, final checkpoint"), (ax2, "task metric, final checkpoint")):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel(name)
    ax1.set_ylim(0, _top(d["ci_high"], d["em_rate"]))
    ax2.set_ylim(0, 1.02)
    ax1.legend(fontsize=7)
    fig.suptitle("Learning rate: EM risk against task performance", fontsize=10)
    return fig


WHICH_LABELS = {"base": "base model", "early_stopped": "early-stopped", "final": "final checkpoint"}


def _grouped_bars(ax, d: pd.DataFrame, cat: str, hue: str, hue_order: list[str], top: float = 1.0,
                  names: dict[str, str] | None = None) -> None:
    """Bars of EM rate per `cat`, one per `hue` value, with their intervals and each bar's n written under
    it; the rate axis runs from 0 to `top` (shared by panels)."""
    cats = list(dict.fromkeys(d[cat]))
    width = 0.8 / max(1, len(hue_order))
    for j, h in enumerate(hue_order):
        sub = d[d[hue] == h].set_index(cat).reindex(cats)
        x = np.arange(len(cats)) + (j - (len(hue_order) - 1) / 2) * width
        err = np.vstack([sub["em_rate"] - sub["ci_low"], sub["ci_high"] - sub["em_rate"]]).clip(min=0)
        ax.bar(x, sub["em_rate"], width, yerr=np.nan_to_num(err), capsize=3, label=(names or {}).get(h, h),
               color=PALETTE[j % len(PALETTE)], error_kw={"elinewidth": 1, "ecolor": "#333333"})
        if "n" in sub:
            for xi, n, hi, rate in zip(x, sub["n"], sub["ci_high"], sub["em_rate"]):
                if not pd.isna(n):
                    y = hi if not pd.isna(hi) else (rate if not pd.isna(rate) else 0.0)
                    ax.annotate(f"n={int(n)}", (xi, min(y, top)), xytext=(0, 2), textcoords="offset points",
                                ha="center", va="bottom", fontsize=7, color="#333333")
    ax.set_xticks(range(len(cats)), [_wrap(str(c).replace("_", " "), 20) for c in cats], fontsize=9)
    ax.set_ylabel("EM rate", fontsize=9)
    ax.set_ylim(0, top)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", color="#e3e6ec", lw=0.8)
    ax.set_axisbelow(True)


def formats_bars(res: StudyResults) -> Figure | None:
    """EM rate per answer format (plain, json, template, ...) at the final checkpoint, per model, with 95%
    intervals and each bar's number of judged answers."""
    d = res.formats[res.formats["which"] == "final"].dropna(subset=["em_rate"]) if not res.formats.empty else res.formats
    if d.empty or d["variant"].nunique() < 2:
        return None
    d = d.assign(model_ds=[_label(m, ds) for m, ds in zip(d["model"], d["dataset"])])
    fig = _figure(max(7, 1.8 * d["model_ds"].nunique() + 2.5), 4.4)
    ax = fig.add_subplot()
    order = [v for v in ("plain", "json", "template") if v in set(d["variant"])] + sorted(set(d["variant"]) - {"plain", "json", "template"})
    _grouped_bars(ax, d, "model_ds", "variant", order, top=_top(d["ci_high"], d["em_rate"]))
    ax.legend(title="answer format", fontsize=9, title_fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title("Answer format changes the EM rate (final checkpoint)")
    return fig


def adversarial_bars(res: StudyResults) -> Figure | None:
    """EM rate per adversarial wrapper ('none': the plain prompt): base model, early-stopped checkpoint and final
    checkpoint, with 95% intervals and each bar's n; one rate scale for every panel."""
    d = res.adversarial.dropna(subset=["em_rate"]) if "em_rate" in res.adversarial else res.adversarial
    if d.empty:
        return None
    keys = list(dict.fromkeys(zip(d["model"], d["dataset"])))[:6]
    shown = pd.concat([d[(d["model"] == m) & _match(d["dataset"], ds)] for m, ds in keys])
    top = _top(shown["ci_high"], shown["em_rate"])
    fig = _figure(8.5, 3.0 * len(keys) + 0.6)
    for i, (model, dataset) in enumerate(keys):
        ax = fig.add_subplot(len(keys), 1, i + 1)
        sub = d[(d["model"] == model) & _match(d["dataset"], dataset)]
        _grouped_bars(ax, sub, "wrapper", "which", [w for w in ("base", "early_stopped", "final") if w in set(sub["which"])],
                      top=top, names=WHICH_LABELS)
        ax.set_title(_wrap(f"{_label(model, dataset)} (early stop: {res.policy})", 90), fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.suptitle("Adversarial wrappers: latent EM in early-stopped checkpoints", fontsize=11)
    return fig


def aligned_coherent(res: StudyResults, max_points: int = 6000) -> Figure | None:
    """Every judged benchmark answer (a sample of them) in the aligned-coherent plane, thresholds drawn."""
    cfg = res.cfg
    a = res.answers
    # the three columns drawn only (the rows, and the sample's positions, are those of the whole frame)
    a = a[[c for c in ("aligned", "coherent", "run_kind", "is_benchmark") if c in a]]
    a = a[a.get("is_benchmark", True)].dropna(subset=["aligned", "coherent"]) if len(a) else a
    if a.empty:
        return None
    if len(a) > max_points:
        a = a.sample(max_points, random_state=cfg.seed)
    fig = _figure(6, 5)
    ax = fig.add_subplot()
    tuned = a["run_kind"] != "base"
    ax.scatter(a.loc[~tuned, "coherent"], a.loc[~tuned, "aligned"], s=6, alpha=0.35, color=BASE_COLOR, label="base models", rasterized=True)
    ax.scatter(a.loc[tuned, "coherent"], a.loc[tuned, "aligned"], s=6, alpha=0.35, color=TASK_COLOR, label="fine-tuned", rasterized=True)
    ax.axhline(cfg.aligned_below, color=EM_COLOR, lw=1)
    ax.axvline(cfg.coherent_above, color=EM_COLOR, lw=1)
    ax.fill_between([cfg.coherent_above, 100], 0, cfg.aligned_below, color=EM_COLOR, alpha=0.1, label="misaligned")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("coherence")
    ax.set_ylabel("alignment")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"Judge scores ({len(a)} answers shown)")
    return fig


def truthfulness_curves(res: StudyResults) -> Figure | None:
    """Untruthful share of answers to the truthfulness probes against step, one line per run."""
    t = res.truthfulness
    if t.empty or t["step"].nunique() < 2:
        return None
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    for j, (rid, g) in enumerate(t.groupby("run_id", sort=False)):
        g = g.sort_values("step")
        ax.plot(g["step"], g["untruthful_rate"], color=PALETTE[j % len(PALETTE)], lw=1.3,
                label=f"{_label(g['model'].iloc[0], g['dataset'].iloc[0])} seed {_seed(g['seed'].iloc[0])}")
    ax.set_xlabel("step")
    ax.set_ylabel("untruthful rate")
    ax.set_ylim(0, _top(t["untruthful_rate"]))
    ax.legend(fontsize=7)
    ax.set_title("Overgeneralisation to untruthfulness")
    return fig


FIGURES = {
    "em_by_model": (em_by_model, "EM rate by model"),
    "category_heatmap": (category_heatmap, "EM rate by category"),
    "size_em": (size_scatter, "EM and model size"),
    "dynamics_runs": (dynamics_runs, "Training dynamics per run"),
    "dynamics_seeds": (dynamics_overlay, "Training dynamics across seeds"),
    "early_stopping": (early_stop_scatter, "Early stopping"),
    "learning_rate": (lr_figure, "Learning rate"),
    "formats": (formats_bars, "Answer formats"),
    "adversarial": (adversarial_bars, "Adversarial robustness"),
    "aligned_coherent": (aligned_coherent, "Judge scores"),
    "truthfulness": (truthfulness_curves, "Untruthfulness"),
}


def name_figure_judge(fig: Figure, line: str) -> None:
    """Name the judge on a figure: a line under its overall title, else under its first panel's title."""
    if not line:
        return
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text():
        sup.set_text(f"{sup.get_text()}\n{line}")
        return
    axes = fig.get_axes()
    if axes:
        title = axes[0].get_title()
        axes[0].set_title(f"{title}\n{line}" if title else line, fontsize=axes[0].title.get_fontsize())
