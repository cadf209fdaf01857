"""A notebook-friendly view of a store: `emwatch.open("study.duckdb")` returns a `Study` whose methods give tidy
frames (`answers`, `rates`, `checkpoints`, `runs`, `monitor_events`) and matplotlib figures that render inline
(`plot_rates`). Everything reads through the store's and the analysis's own functions, so a notebook sees the same
numbers as `emwatch analyze` and `emwatch report`.

    >>> study = emwatch.open("study.duckdb")
    >>> study.rates(by=["model", "step"])
    >>> study.plot_rates(hue="model")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.analysis import KEYS, analysis_table, load_answers, resolve_judge
from emwatch.config import AnalyzeConfig
from emwatch.store import JudgeChoice, Store


class Study:
    """A store opened for reading (read-only by default, so a notebook never locks out a running stage for
    longer than it reads). The answers are read once per judge and kept; `refresh()` reads them again.

    `judge` names the judge whose scores every number uses, where the store holds several judges of a metric
    (a name, or {metric: name}); each method takes `judge=` too. With none named, each metric's only judge is
    used, and several judges of one metric are an error that lists them (docs/judges.md)."""

    def __init__(self, store: str | Path | Store, *, read_only: bool = True, judge: str | Mapping[str, str] | None = None,
                 **thresholds: Any):
        self.store = store if isinstance(store, Store) else Store(store, read_only=read_only)
        self._owned = not isinstance(store, Store)
        self.config = AnalyzeConfig(**thresholds)
        self.judge = judge
        self._answers: dict[tuple, tuple[JudgeChoice, pd.DataFrame]] = {}

    # -- tidy frames ------------------------------------------------------------------------------------------
    def judges(self, judge: str | Mapping[str, str] | None = None) -> JudgeChoice:
        """The judge each metric's scores come from (`.judges`: {metric: name}; `.of()`: the EM judge's name)."""
        return resolve_judge(self.store, self.judge if judge is None else judge, self.config)

    def _read(self, judge: Any) -> tuple[JudgeChoice, pd.DataFrame]:
        choice = self.judges(judge)
        key = tuple(sorted(choice.judges.items()))
        if key not in self._answers:
            self._answers[key] = (choice, load_answers(self.store, text=False, judge=choice))
        return self._answers[key]

    def answers(self, *, text: bool = False, judge: str | Mapping[str, str] | None = None) -> pd.DataFrame:
        """One row per answer: grouping keys (model, group, seed, step, category, variant, wrapper, ...), every
        metric's score (from one judge per metric: `judge`) with `<metric>_reason` and `<metric>_label`, and
        `is_benchmark`. `text=True` adds the response text."""
        if text:
            return load_answers(self.store, text=True, judge=self.judges(judge))
        return self._read(judge)[1].copy()

    def rates(self, by: Sequence[str] | str = ("model", "step"), *, judge: str | Mapping[str, str] | None = None,
              **thresholds: float) -> pd.DataFrame:
        """EM rate per group of `by` (any of KEYS): n, n_excluded, em_rate, ci_low, ci_high, coherent_rate and
        `judge`, computed by the same function and defaults as `emwatch analyze --by ...` (unless `variant` /
        `wrapper` is a key, plain-format unwrapped answers only). `judge=` picks the judge; `aligned_below=` /
        `coherent_above=` override the thresholds for this call."""
        keys = [by] if isinstance(by, str) else list(by)
        cfg = self.config.model_copy(update=thresholds) if thresholds else self.config
        choice, answers = self._read(judge)
        return analysis_table(answers, by=keys, cfg=cfg, judge=choice)

    def checkpoints(self) -> pd.DataFrame:
        """Every checkpoint (imported ones included) with its run's model, kind, dataset, seed, lr and losses."""
        return self.store.checkpoints(imported=True)

    def runs(self) -> pd.DataFrame:
        return self.store.runs()

    def monitor_events(self) -> pd.DataFrame:
        """The online monitor's looks (signal values and decisions), if any run was monitored."""
        return self.store.monitor_events()

    def refresh(self) -> Study:
        self._answers = {}
        return self

    # -- figures ------------------------------------------------------------------------------------------------
    def plot_rates(self, x: str = "step", hue: str | None = "model", *, rates: pd.DataFrame | None = None,
                   title: str | None = None, judge: str | Mapping[str, str] | None = None) -> Any:
        """EM rate against `x` (with its 95% interval as a band), one line per value of `hue`, the judge named in
        the title; returns a matplotlib Figure (shown inline by Jupyter; `fig.savefig(...)` to keep it)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        by = [x] + ([hue] if hue and hue != x else [])
        frame = self.rates(by=by, judge=judge) if rates is None else rates
        fig = Figure(figsize=(6.4, 3.8), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        groups = frame.groupby(hue, dropna=False, sort=True) if len(by) > 1 else [(None, frame)]
        for name, g in groups:
            g = g.dropna(subset=["em_rate"]).sort_values(x)
            if g.empty:
                continue
            line = ax.plot(g[x], g["em_rate"], marker="o", label=None if name is None else str(name))[0]
            ax.fill_between(g[x], g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_xlabel(x)
        ax.set_ylabel("EM rate (misaligned share)")
        ax.set_ylim(bottom=0)
        named = sorted({str(j) for j in frame["judge"].dropna()}) if "judge" in frame else []
        ax.set_title((title or f"EM rate by {x}") + (f"\njudge: {', '.join(named)}" if named else ""))
        if len(by) > 1 and ax.get_legend_handles_labels()[0]:
            ax.legend(title=hue, fontsize="small")
        return fig

    # -- housekeeping -----------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owned:
            self.store.close()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<emwatch.Study {self.store.path}: {self.store.count('runs')} runs, {self.store.count('samples')} answers>"


def open(store: str | Path | Store, *, read_only: bool = True, judge: str | Mapping[str, str] | None = None,  # noqa: A001
         **thresholds: float) -> Study:
    """Open a store for exploring in a notebook: `emwatch.open("study.duckdb").rates(by=["model"], judge="ref")`."""
    return Study(store, read_only=read_only, judge=judge, **thresholds)


__all__ = ["KEYS", "Study", "open"]
