"""`emwatch models add` and `emwatch models list`: evaluate models trained elsewhere (published EM model
organisms, a team's own checkpoints) with sample, judge and analyze, without training them here."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from emwatch.cli._common import Format, FormatOpt, StoreOpt, StoreReadOpt, new_app
from emwatch.cli._output import emit, print_table

models_app = new_app(help="Register models trained elsewhere (base models, LoRA or full checkpoints, served "
                          "names) and list what a store can sample.")


@models_app.command("add")
def add(
    source: Annotated[str, typer.Argument(help="a LoRA adapter folder, a model folder, or a served model name")],
    store: StoreOpt,
    base: Annotated[Optional[str], typer.Option("--base", help="the base model it was fine-tuned from (folder or name); for a LoRA folder default: its adapter_config.json's base")] = None,
    step: Annotated[Optional[int], typer.Option("--step", help="training step (default: from a folder named step_N / checkpoint-N, else 1)")] = None,
    run: Annotated[Optional[str], typer.Option("--run", help="run name that groups checkpoints of one training run (default: the folder's name)")] = None,
    dataset: Annotated[Optional[str], typer.Option("--dataset", help="what it was fine-tuned on (insecure, medical, ...)")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="its training seed")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Register SOURCE: a folder with adapter_config.json is a LoRA checkpoint; a folder with config.json is
    a full checkpoint of --base (or, with no --base/--step/--run, a base model); anything else is a served
    model name. Adding the same model again changes nothing."""
    from emwatch.store import Store
    from emwatch.store._register import model_records

    # a bad source fails here, before the store is created
    res, records = model_records(source, base=base, step=step, run=run, dataset=dataset, seed=seed)
    with Store(store) as st:
        st.add(records)
    data = res.to_dict()
    if fmt is Format.table:
        what = {"base": "base model", "served": "served model", "lora": "LoRA checkpoint",
                "full": "full checkpoint"}[res.kind]
        of = "" if res.run is None else f" of {res.model} (run {res.run}, step {res.step})"
        typer.echo(f"registered {what} {source}{of} in {store}: checkpoint {res.checkpoint_id}")
        return
    import pandas as pd

    emit(fmt, pd.DataFrame([data]), data=data)


@models_app.command("list")
def list_(store: StoreReadOpt, fmt: FormatOpt = Format.table) -> None:
    """Every checkpoint the store can sample: model, run, step, kind, path and served name."""
    from emwatch.store import Store

    with Store(store, read_only=True) as st:
        df = st.checkpoints()
    df["served_name"] = df["meta"].map(lambda m: (m or {}).get("served_name"))
    df["source"] = df["meta"].map(lambda m: (m or {}).get("source_kind") or ("base" if (m or {}).get("base") else "trained"))
    out = df[["model", "kind", "group", "run_id", "step", "source", "path", "served_name", "checkpoint_id"]]
    emit(fmt, out, table=lambda: print_table(out, hide=("run_id", "checkpoint_id")))


__all__ = ["models_app"]
