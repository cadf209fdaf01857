"""`emwatch bench ...`: look at, count, import and export question banks. Each command is a thin call into
emwatch.bench. Register with `app.add_typer(bench_app, name="bench")`."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from emwatch.bench import WRAPPERS, build_prompts, export_bank, import_bank, list_banks, load_bank
from emwatch.cli._common import Format, FormatOpt, new_app
from emwatch.cli._output import console, emit
from emwatch.errors import ConfigError

bench_app = new_app(help="Benchmarks and question banks: list, show the exact prompts, count, import and export.")


@bench_app.command("list")
def list_cmd(fmt: FormatOpt = Format.table) -> None:
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
    emit(fmt, _frame(rows, ["name", "kind", "questions", "categories", "path", "error"]), data=rows,
         table=lambda: _print_banks(rows))


def _print_banks(rows: list[dict]) -> None:
    table = Table(title="Question banks")
    for col in ("name", "kind", "questions", "categories", "path"):
        table.add_column(col, justify="right" if col in ("questions", "categories") else "left")
    for r in rows:
        count = str(r["questions"]) if r["error"] is None else f"[red]invalid: {escape(r['error'])}[/red]"
        table.add_row(r["name"], r["kind"], count, str(r["categories"] or ""), r["path"])
    console().print(table)


def _frame(rows: list[dict], columns: list[str] | None = None):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns or (list(rows[0]) if rows else None))


@bench_app.command("show")
def show(
    name: str = typer.Argument(..., help="bank name (em240, truthfulness, an imported name) or YAML path"),
    category: list[str] = typer.Option(None, "--category", "-c", help="only this category (repeatable)"),
    variant: list[str] = typer.Option(["plain"], "--variant", "-v", help="plain, json or template (repeatable)"),
    wrapper: list[str] = typer.Option(None, "--wrapper", "-w",
                                      help=f"only prompts with this wrapper (repeatable): {', '.join(WRAPPERS)}"),
    per_category: int = typer.Option(None, "--per-category", min=1, help="first N questions of each category"),
    fmt: FormatOpt = Format.table,
) -> None:
    """The exact messages a model receives for each prompt of a bank (with --wrapper: the wrapped prompts only).
    CSV: one row per prompt, the messages as JSON text."""
    prompts = build_prompts(name, categories=category or None, variants=variant or ["plain"],
                            wrappers=wrapper or (), per_category=per_category, unwrapped=not wrapper)
    rows = [{
        "id": p.question_id, "category": p.category, "variant": p.variant, "wrapper": p.wrapper,
        "paraphrase_index": p.paraphrase_index, "samples": p.samples, "judge_metrics": p.judge_metrics,
        "messages": [dict(m) for m in p.messages], "reference": p.reference, "key": p.key,
    } for p in prompts]
    emit(fmt, _frame(rows, _PROMPT_COLUMNS), data=rows, table=lambda: _print_prompts(prompts))


_PROMPT_COLUMNS = ["id", "category", "variant", "wrapper", "paraphrase_index", "samples", "judge_metrics",
                   "messages", "reference", "key"]


def _print_prompts(prompts: list) -> None:
    table = Table(title=f"{len(prompts)} prompts", show_lines=True)
    table.add_column("prompt", no_wrap=True)
    table.add_column("messages (exactly what the model receives)", overflow="fold", ratio=1)
    for p in prompts:
        label = (f"{p.question_id}\n{p.variant}" + (f" + {p.wrapper}" if p.wrapper else "")
                 + f"\nparaphrase {p.paraphrase_index}\n{p.samples} samples")
        text = "\n".join(f"[bold]{m['role']}:[/bold] {escape(m['content'])}" for m in p.messages)
        table.add_row(label, text)
    console().print(table)


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
def stats(name: str = typer.Argument(..., help="bank name or YAML path"), fmt: FormatOpt = Format.table) -> None:
    """Counts per category: questions, paraphrases, classic ones, words per prompt. CSV: one row per category."""
    data = bank_stats(name)
    rows = [{"bank": data["bank"], "category": cat, **row} for cat, row in data["categories"].items()]
    emit(fmt, _frame(rows), data=data, table=lambda: _print_stats(data))


def _print_stats(data: dict[str, Any]) -> None:
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
    console().print(table)


@bench_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="bank YAML file (emwatch or original EM format)"),
    name: str = typer.Option(None, "--name", "-n", help="bank name (default: the file's stem)"),
    force: bool = typer.Option(False, "--force", help="replace an imported bank of the same name"),
) -> None:
    """Validate a bank file and copy it into the user data dir (EMWATCH_DATA_DIR)."""
    dest = import_bank(file, name, overwrite=force)
    bank = load_bank(dest.stem)
    typer.echo(f"imported bank {bank.name!r}: {len(bank)} questions -> {dest}")


@bench_app.command("export")
def export_cmd(
    name: str = typer.Argument(..., help="bank name or YAML path"),
    file: Path = typer.Argument(..., help="where to write the YAML"),
) -> None:
    """Write a bank in the original EM evaluation format."""
    out = export_bank(name, file)
    typer.echo(f"wrote {out}")

