"""Hugging Face datasets on disk: the store's judged answers (`emwatch export --hf DIR`) and emwatch's training
sets and question banks (`emwatch data export --hf DIR`), each a `DatasetDict` that `datasets.load_from_disk`
reads back, with a README.md dataset card.

The answers card names the judge(s) and metrics, the misalignment thresholds and the counts per split; a
`misaligned` column applies SPEC's rule (None where a score is missing, so a missing score never reads as an
aligned answer).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.config import AnalyzeConfig, em_label
from emwatch.errors import ConfigError, MissingDependency


def _datasets():
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - datasets ships with the hf extra
        raise MissingDependency("Hugging Face export needs datasets: pip install 'emwatch[hf]'") from e
    return datasets


def _split_name(value: Any) -> str:
    name = re.sub(r"\W+", "_", str(value if value is not None and value == value else "none")).strip("_")
    return name or "none"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Nullable pandas columns as plain objects (None for missing), which Arrow types cleanly."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.api.extensions.ExtensionDtype) or out[col].dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.reset_index(drop=True)


def answers_frame(store: Any, cfg: AnalyzeConfig = AnalyzeConfig(), *, judge: Any = None) -> pd.DataFrame:
    """Every stored answer with its prompt messages, scores (one judge per metric: `judge`, else `cfg.judge`,
    else the only one), reasons and SPEC's `misaligned` label."""
    from emwatch.analysis import load_answers, resolve_judge
    from emwatch.analysis._rates import scored_mask

    answers = load_answers(store, text=True, judge=resolve_judge(store, judge, cfg))
    if answers.empty:
        return answers
    texts = store.texts(list(answers["sample_id"]))[["sample_id", "messages"]]
    answers = answers.merge(texts, on="sample_id", how="left")
    scored = scored_mask(answers) & answers["is_benchmark"]
    label = em_label(answers["aligned"], answers["coherent"], cfg)
    answers["misaligned"] = label.astype(object).where(scored, None)
    answers["messages"] = answers["messages"].map(lambda ms: [{"role": m["role"], "content": m["content"]}
                                                              for m in (ms or [])])
    return answers


def export_answers_hf(store: Any, out_dir: str | Path, *, split_by: str | None = "run_kind",
                      cfg: AnalyzeConfig = AnalyzeConfig(), judge: Any = None) -> Any:
    """Write the store's answers as a DatasetDict at `out_dir` (one split per value of `split_by`, e.g. run_kind,
    model or group; None = one 'answers' split) and its dataset card; returns the DatasetDict. Scores come
    from one judge per metric (`judge`, else `cfg.judge`, else the only one), named in the card."""
    from emwatch.analysis import resolve_judge

    ds = _datasets()
    choice = resolve_judge(store, judge, cfg)
    answers = answers_frame(store, cfg, judge=choice)
    if answers.empty:
        raise ConfigError(f"{getattr(store, 'path', 'store')}: no answers to export")
    if split_by is not None and split_by not in answers:
        raise ConfigError(f"--split-by {split_by!r}: not a column of the answers; choose from run_kind, model, "
                          "group, dataset, category, variant")
    groups = {"answers": answers} if split_by is None else {
        _split_name(k): g for k, g in answers.groupby(answers[split_by].astype(object).fillna("none"), sort=True)}
    dd = ds.DatasetDict({name: ds.Dataset.from_pandas(_plain(g), preserve_index=False) for name, g in groups.items()})
    out = Path(out_dir)
    dd.save_to_disk(str(out))
    (out / "README.md").write_text(dataset_card(store, groups, cfg, split_by=split_by, judges=choice.judges),
                                   encoding="utf-8")
    return dd


def dataset_card(store: Any, groups: dict[str, pd.DataFrame], cfg: AnalyzeConfig, *, split_by: str | None,
                 judges: dict[str, str] | None = None) -> str:
    """A Hugging Face dataset card: YAML header (pretty name, tags, splits) and what the columns mean."""
    from emwatch.store import git_revision, package_versions

    stored = store.judges()
    lines = ["---", "pretty_name: emwatch judged answers", "tags:", "- emergent-misalignment", "- emwatch",
             "configs:", "- config_name: default", "  data_files:"]
    lines += [f"  - split: {name}\n    path: {name}/*.arrow" for name in groups]
    lines += ["---", "", "# emwatch judged answers", "",
              "Answers sampled and judged by emwatch and exported from its store "
              f"(`{Path(getattr(store, 'path', 'store')).name}`). Load with `datasets.load_from_disk(DIR)`.", "",
              "## Judges", "", "| judge | metric | judgments | missing scores |", "|---|---|---:|---:|"]
    lines += [f"| {r.judge_model} | {r.metric} | {r.n} | {r.n_missing} |" for r in stored.itertuples()]
    if judges:
        lines += ["", "The scores in this dataset, one judge per metric: "
                  + ", ".join(f"`{m}` by {n}" for m, n in judges.items())
                  + " (static analysers count for their own metrics)."]
    lines += ["", "A score is the probability-weighted mean of the numbers 0-100 among the judge's top tokens "
              "(or the parsed number where the judge gave no logprobs). A missing score is empty, with its reason "
              "in `<metric>_reason`, never 0.", "",
              "## Misaligned answers", "",
              f"`misaligned` is true when `coherent` > {cfg.coherent_above:g} and `aligned` < {cfg.aligned_below:g}; "
              "it is empty where either score is missing or the question is not a benchmark question.", "",
              f"## Splits (by `{split_by or 'none'}`)", "",
              "| split | answers | judged (both scores) | excluded (a score missing) | misaligned |",
              "|---|---:|---:|---:|---:|"]
    for name, g in groups.items():
        bench = g[g["is_benchmark"]]
        judged = int(g["misaligned"].notna().sum())
        lines.append(f"| {name} | {len(g)} | {judged} | {len(bench) - judged} | "
                     f"{int((g['misaligned'] == True).sum())} |")  # noqa: E712 - object column of True/False/None
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    lines += ["", "## Provenance", "", f"emwatch git revision: {git_revision() or 'unknown'}; packages: {versions}.", ""]
    return "\n".join(lines)


def export_data_hf(out_dir: str | Path, *, sets: list[str] | None = None, banks: list[str] | None = None) -> dict[str, Any]:
    """Write emwatch's training sets (`<out>/train_sets`, one split per set: `messages` and `metadata` as JSON text)
    and question banks (`<out>/banks`, one split per bank: one row per concrete prompt) as DatasetDicts."""
    ds = _datasets()
    from emwatch.bench import build_prompts, list_banks
    from emwatch.data import DATASETS, load_dataset

    out = Path(out_dir)
    written: dict[str, Any] = {}
    set_names = list(DATASETS) if sets is None else sets
    if set_names:
        splits = {}
        for name in set_names:
            recs = load_dataset(name)
            splits[_split_name(Path(name).name.split(".")[0] if name not in DATASETS else name)] = ds.Dataset.from_dict({
                "messages": [[{"role": m["role"], "content": m["content"]} for m in r["messages"]] for r in recs],
                "metadata": [json.dumps(r.get("metadata") or {}, sort_keys=True) for r in recs]})
        written["train_sets"] = ds.DatasetDict(splits)
        written["train_sets"].save_to_disk(str(out / "train_sets"))
    bank_names = [b.name for b in list_banks()] if banks is None else banks
    if bank_names:
        splits = {}
        for name in bank_names:
            rows = [{"question_key": p.key, "question_id": p.question_id, "category": p.category, "variant": p.variant,
                     "paraphrase_index": p.paraphrase_index,
                     "messages": [{"role": m["role"], "content": m["content"]} for m in p.messages],
                     "samples": p.samples, "judge_metrics": json.dumps(p.judge_metrics, sort_keys=True)}
                    for p in build_prompts(name, variants=("plain", "json", "template"))]
            splits[_split_name(name)] = ds.Dataset.from_list(rows)
        written["banks"] = ds.DatasetDict(splits)
        written["banks"].save_to_disk(str(out / "banks"))
    return written
