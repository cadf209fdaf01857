"""`emwatch data`: the built-in training sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emwatch.cli._common import fail, friendly

data_app = typer.Typer(help="Built-in training sets: list them, show their statistics, export them as chat JSONL.",
                       no_args_is_help=True)


@data_app.command("list")
@friendly
def list_() -> None:
    """List the built-in training sets."""
    from emwatch.data import DATASETS

    table = Table("name", "domain", "what it holds")
    for d in DATASETS.values():
        table.add_row(d.name, d.domain, d.description)
    Console().print(table)


@data_app.command("stats")
@friendly
def stats(name: Annotated[str, typer.Argument(help="built-in set name or a chat JSONL file")],
          fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table") -> None:
    """Counts, distinct prompts, answer lengths and class/topic/family counts of a set."""
    from emwatch.data import dataset_stats, load_dataset

    st = dataset_stats(load_dataset(name))
    if fmt == "json":
        typer.echo(json.dumps(st, indent=2))
        return
    if fmt != "table":
        fail(f"--format must be table or json, not {fmt!r}", 2)
    con = Console()
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
@friendly
def export(name: Annotated[str, typer.Argument(help="built-in set name")],
           out: Annotated[Path, typer.Argument(help="destination .jsonl (or .jsonl.gz)")],
           seed: Annotated[int, typer.Option(help="generator seed (0 = the shipped files)")] = 0) -> None:
    """Write a built-in set as chat JSONL (the format of the OpenAI fine-tuning API)."""
    from emwatch.data import load_dataset, write_chat_jsonl

    recs = load_dataset(name, seed=seed)
    write_chat_jsonl(recs, out)
    typer.echo(f"{len(recs)} records -> {out}")
