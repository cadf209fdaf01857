"""`emwatch data`: the built-in training sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emwatch.cli._common import Format, FormatOpt, fail, new_app
from emwatch.cli._output import console, emit

data_app = new_app(help="Built-in training sets: list them, show their statistics, export them as chat JSONL.")


@data_app.command("list")
def list_(fmt: FormatOpt = Format.table) -> None:
    """List the built-in training sets."""
    import pandas as pd
    from rich.table import Table

    from emwatch.data import DATASETS

    rows = pd.DataFrame([{"name": d.name, "domain": d.domain, "description": d.description} for d in DATASETS.values()],
                        columns=["name", "domain", "description"])

    def table() -> None:
        t = Table("name", "domain", "what it holds")
        for r in rows.itertuples(index=False):
            t.add_row(r.name, r.domain, r.description)
        console().print(t)

    emit(fmt, rows, table=table)


@data_app.command("stats")
def stats(name: Annotated[str, typer.Argument(help="built-in set name or a chat JSONL file")],
          fmt: FormatOpt = Format.table) -> None:
    """Counts, distinct prompts, answer lengths and class/topic/family counts of a set.
    CSV: one row per number (section, key, value)."""
    from emwatch.data import dataset_stats, load_dataset

    st = dataset_stats(load_dataset(name))
    emit(fmt, _long(st), data=st, table=lambda: _print_stats(name, st))


def _long(st: dict[str, Any]):
    """The nested statistics as a long frame: section, key ('' for a top-level number), value."""
    import pandas as pd

    rows = []
    for section, value in st.items():
        if isinstance(value, dict):
            rows += [{"section": section, "key": str(k), "value": v} for k, v in value.items()]
        else:
            rows.append({"section": section, "key": "", "value": value})
    return pd.DataFrame(rows, columns=["section", "key", "value"])


def _print_stats(name: str, st: dict[str, Any]) -> None:
    from rich.table import Table

    con = console()
    con.print(f"[bold]{name}[/]: {st['n']} examples, {st['distinct_prompts']} distinct prompts, "
              f"{st['distinct_examples']} distinct examples")
    w = st["answer_words"]
    con.print(f"answer length (words): min {w['min']}, median {w['p50']}, p90 {w['p90']}, max {w['max']}, mean {w['mean']}")
    for key in ("classes", "topics", "families"):
        if st[key]:
            t = Table(key[:-1] if key != "classes" else "class", "n")
            for k, v in st[key].items():
                t.add_row(str(k), str(v))
            con.print(t)


@data_app.command("export")
def export(name: Annotated[str | None, typer.Argument(help="built-in set name")] = None,
           out: Annotated[Path | None, typer.Argument(help="destination .jsonl (or .jsonl.gz)")] = None,
           seed: Annotated[int, typer.Option(help="generator seed (0 = the shipped files)")] = 0,
           hf: Annotated[Path | None, typer.Option("--hf", help="write the training sets (or only NAME) and the question banks as Hugging Face DatasetDicts in this folder")] = None) -> None:
    """Write a built-in set as chat JSONL (the format of the OpenAI fine-tuning API), or with --hf the training
    sets and question banks as Hugging Face datasets (`DIR/train_sets`, `DIR/banks`; `datasets.load_from_disk`)."""
    if hf is not None:
        if out is not None or seed != 0:
            fail("--hf writes the shipped sets: give at most a set NAME, no OUT or --seed")
        from emwatch.integrations import export_data_hf

        written = export_data_hf(hf, sets=[name] if name else None, banks=None if not name else [])
        for folder, dd in written.items():
            typer.echo(f"{folder}: {', '.join(f'{k} {len(d)}' for k, d in dd.items())} -> {hf / folder}")
        return
    if name is None or out is None:
        fail("give a set NAME and an OUT file (or --hf DIR)")
    from emwatch.data import load_dataset, write_chat_jsonl

    recs = load_dataset(name, seed=seed)
    write_chat_jsonl(recs, out)
    typer.echo(f"{len(recs)} records -> {out}")
