"""`emwatch bench ...`: look at, count, import and export question banks. Each command is a thin call into
emwatch.bench. Register with `app.add_typer(bench_app, name="bench")`."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from enum import Enum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from emwatch.bench import WRAPPERS, build_prompts, export_bank, import_bank, list_banks, load_bank
from emwatch.config import ConfigError

bench_app = typer.Typer(
    help="Benchmarks and question banks: list, show the exact prompts, count, import and export.",
    no_args_is_help=True,
)

class Format(str, Enum):
    table = "table"
    json = "json"


FORMAT = typer.Option(Format.table, "--format", "-f", help="table (rich) or json")


def _fail(err: Exception) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(1)


def _console() -> Console:
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze tables into 80 columns
        console = Console(width=max(console.width, 130))
    return console


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@bench_app.command("list")
def list_cmd(fmt: Format = FORMAT) -> None:
    """Built-in and imported banks, with their number of questions."""
    rows = []
    for info in list_banks():
        try:
            bank = load_bank(info.name)
            n, cats, problem = len(bank), len([c for c in bank.categories if c is not None]), None
        except ConfigError as e:
            n, cats, problem = None, None, str(e).splitlines()[0]
        rows.append({"name": info.name, "kind": info.kind, "questions": n, "categories": cats,
                     "path": str(info.path), "error": problem})
    if fmt is Format.json:
        _json(rows)
        return
    table = Table(title="Question banks")
    for col in ("name", "kind", "questions", "categories", "path"):
        table.add_column(col, justify="right" if col in ("questions", "categories") else "left")
    for r in rows:
        count = str(r["questions"]) if r["error"] is None else f"[red]invalid: {r['error']}[/red]"
        table.add_row(r["name"], r["kind"], count, str(r["categories"] or ""), r["path"])
    _console().print(table)


@bench_app.command("show")
def show(
    name: str = typer.Argument(..., help="bank name (em240, truthfulness, an imported name) or YAML path"),
    category: list[str] = typer.Option(None, "--category", "-c", help="only this category (repeatable)"),
    variant: list[str] = typer.Option(["plain"], "--variant", "-v", help="plain, json or template (repeatable)"),
    wrapper: list[str] = typer.Option(None, "--wrapper", "-w",
                                      help=f"only prompts with this wrapper (repeatable): {', '.join(WRAPPERS)}"),
    per_category: int = typer.Option(None, "--per-category", min=1, help="first N questions of each category"),
    fmt: Format = FORMAT,
) -> None:
    """The exact messages a model receives for each prompt of a bank."""
    try:
        prompts = build_prompts(name, categories=category or None, variants=variant or ["plain"],
                                wrappers=wrapper or (), per_category=per_category)
    except ConfigError as e:
        raise _fail(e) from None
    if wrapper:
        prompts = [p for p in prompts if p.wrapper is not None]
    if fmt is Format.json:
        _json([{
            "id": p.question_id, "category": p.category, "variant": p.variant, "wrapper": p.wrapper,
            "paraphrase_index": p.paraphrase_index, "samples": p.samples, "judge_metrics": p.judge_metrics,
            "messages": [dict(m) for m in p.messages], "reference": p.reference, "key": p.key,
        } for p in prompts])
        return
    table = Table(title=f"{len(prompts)} prompts", show_lines=True)
    table.add_column("prompt", no_wrap=True)
    table.add_column("messages (exactly what the model receives)", overflow="fold", ratio=1)
    for p in prompts:
        label = (f"{p.question_id}\n{p.variant}" + (f" + {p.wrapper}" if p.wrapper else "")
                 + f"\nparaphrase {p.paraphrase_index}\n{p.samples} samples")
        text = "\n".join(f"[bold]{m['role']}:[/bold] {escape(m['content'])}" for m in p.messages)
        table.add_row(label, text)
    _console().print(table)


def bank_stats(name: str) -> dict[str, Any]:
    """Counts per category: questions, paraphrases, classic ones, system prompts, default samples, words."""
    bank = load_bank(name)
    groups: dict[str, list] = {}
    for q in bank:
        groups.setdefault(q.category if q.category is not None else "(none)", []).append(q)
    groups["total"] = list(bank)
    out = {}
    for cat, qs in groups.items():
        words = [len(text.split()) for q in qs for text in q.paraphrases]
        out[cat] = {
            "questions": len(qs),
            "paraphrases": len(words),
            "multi_paraphrase": sum(len(q.paraphrases) > 1 for q in qs),
            "classic": sum(q.classic for q in qs),
            "with_system": sum(q.system is not None for q in qs),
            "samples": sum(q.samples_per_paraphrase * len(q.paraphrases) for q in qs),
            "words_mean": round(statistics.fmean(words), 1),
            "words_min": min(words),
            "words_max": max(words),
        }
    return {"bank": bank.name, "categories": out}


@bench_app.command("stats")
def stats(name: str = typer.Argument(..., help="bank name or YAML path"), fmt: Format = FORMAT) -> None:
    """Counts per category: questions, paraphrases, classic ones, words per prompt."""
    try:
        data = bank_stats(name)
    except ConfigError as e:
        raise _fail(e) from None
    if fmt is Format.json:
        _json(data)
        return
    cols = ["questions", "paraphrases", "multi_paraphrase", "classic", "with_system", "samples",
            "words_mean", "words_min", "words_max"]
    heads = ["questions", "paraphr.", "multi", "classic", "system", "samples", "words", "min", "max"]
    table = Table(title=f"Bank {data['bank']}", caption="multi: questions with 2+ paraphrases; samples: "
                  "answers per question set by default; words: mean words per paraphrase")
    table.add_column("category", no_wrap=True)
    for head in heads:
        table.add_column(head, justify="right")
    for cat, row in data["categories"].items():
        style = "bold" if cat == "total" else None
        table.add_row(cat, *(str(row[c]) for c in cols), style=style)
    _console().print(table)


@bench_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="bank YAML file (emwatch or original EM format)"),
    name: str = typer.Option(None, "--name", "-n", help="bank name (default: the file's stem)"),
    force: bool = typer.Option(False, "--force", help="replace an imported bank of the same name"),
) -> None:
    """Validate a bank file and copy it into the user data dir (EMWATCH_DATA_DIR)."""
    try:
        dest = import_bank(file, name, overwrite=force)
        bank = load_bank(dest.stem)
    except ConfigError as e:
        raise _fail(e) from None
    typer.echo(f"imported bank {bank.name!r}: {len(bank)} questions -> {dest}")


@bench_app.command("export")
def export_cmd(
    name: str = typer.Argument(..., help="bank name or YAML path"),
    file: Path = typer.Argument(..., help="where to write the YAML"),
) -> None:
    """Write a bank in the original EM evaluation format."""
    try:
        out = export_bank(name, file)
    except ConfigError as e:
        raise _fail(e) from None
    typer.echo(f"wrote {out}")

