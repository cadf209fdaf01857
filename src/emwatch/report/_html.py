"""The report page: one self-contained HTML file. Figures are embedded as data URIs; there is no script
at all and a Content-Security-Policy forbids any (and any network fetch), so the page works offline and
model text can never run. Every piece of text from the store passes through `esc`."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import pandas as pd

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

PERCENT_HINTS = ("rate", "ci_low", "ci_high", "retention", "share_", "base_low", "base_high", "untruthful", "em_at_stop")

STYLE = """
:root { --fg:#1d2330; --muted:#5c6475; --line:#e3e6ec; --accent:#c8362d; --blue:#1f6fb4; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { background:#1d2330; color:#fff; padding:22px 32px 18px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header p { margin:0; color:#c5cad6; font-size:13px; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line); padding:8px 32px; overflow-x:auto; white-space:nowrap; }
nav a { color:var(--blue); text-decoration:none; margin-right:16px; font-size:13px; }
main { max-width:1200px; margin:0 auto; padding:20px 32px 60px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:18px 22px; margin:18px 0; }
section h2 { margin:0 0 6px; font-size:18px; }
.lead { color:var(--muted); margin:0 0 12px; }
.cards { display:grid; grid-template-columns:repeat(auto-fit, minmax(170px, 1fr)); gap:12px; margin:6px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .v { font-size:22px; font-weight:600; }
.card .k { color:var(--muted); font-size:12px; }
figure { margin:10px 0; }
figure img { max-width:100%; height:auto; border:1px solid var(--line); border-radius:4px; background:#fff; }
figcaption { color:var(--muted); font-size:12.5px; margin-top:4px; }
.files { font-size:12px; color:var(--muted); }
.files a { color:var(--blue); }
.tablewrap { overflow-x:auto; max-height:520px; overflow-y:auto; border:1px solid var(--line); border-radius:4px; }
table { border-collapse:collapse; font-size:12.5px; width:100%; }
th, td { padding:4px 8px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
th { background:#f0f2f6; position:sticky; top:0; text-align:right; }
td.t, th.t { text-align:left; }
tr:hover td { background:#fafbfd; }
.yes { color:var(--accent); font-weight:600; }
.no { color:var(--muted); }
details.cat { border-top:1px solid var(--line); padding:6px 0; }
details.cat > summary { cursor:pointer; font-weight:600; }
details.ans { margin:6px 0 6px 14px; border-left:3px solid var(--accent); padding-left:10px; }
details.ans > summary { cursor:pointer; font-size:13px; }
.meta { color:var(--muted); font-size:12px; }
.q { background:#f0f2f6; padding:6px 8px; border-radius:4px; margin:6px 0; white-space:pre-wrap; }
pre.answer { white-space:pre-wrap; word-break:break-word; background:#fff7f6; border:1px solid #f1d4d1; padding:8px; border-radius:4px; font-size:12.5px; max-height:360px; overflow-y:auto; }
.empty { color:var(--muted); font-style:italic; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
"""


def esc(value: Any) -> str:
    """Text for HTML: escaped, quotes included."""
    return html.escape("" if value is None else str(value), quote=True)


def fmt(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, (bool,)) or (hasattr(value, "dtype") and str(getattr(value, "dtype", "")) == "bool"):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(column, v) for v in value)
    if isinstance(value, float):
        if any(h in column for h in PERCENT_HINTS) and 0 <= value <= 1:
            return f"{100 * value:.1f}%"
        if value == int(value) and abs(value) < 1e9:
            return f"{int(value)}"
        return f"{value:.3g}" if abs(value) < 1e-2 else f"{value:.3f}"
    return str(value)


def table_html(df: pd.DataFrame, max_rows: int = 400, hide: Iterable[str] = ()) -> str:
    """A table as HTML (ids left out, and the columns in `hide`: the judge, named once in the subtitle)."""
    if df is None or df.empty:
        return '<p class="empty">No data in the store for this table.</p>'
    cols = [c for c in df.columns if c not in ("run_id", "checkpoint_id", *hide)]
    text_cols = {c for c in cols if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])}
    head = "".join(f'<th class="{"t" if c in text_cols else ""}">{esc(c)}</th>' for c in cols)
    body = []
    for row in df.head(max_rows).itertuples(index=False):
        rec = dict(zip(df.columns, row))
        cells = []
        for c in cols:
            v = rec[c]
            cls = "t" if c in text_cols else ""
            if isinstance(v, (bool,)) or str(type(v)).endswith("bool_'>"):
                cls += " yes" if v else " no"
            cells.append(f'<td class="{cls.strip()}">{esc(fmt(c, v))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="files">{len(df) - max_rows} more rows in the CSV.</p>' if len(df) > max_rows else ""
    return f'<div class="tablewrap"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{more}'


def figure_html(name: str, png: bytes, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{esc(caption)}</figcaption></figure>'
            f'<p class="files">Files: <a href="figures/{esc(name)}.png">PNG</a> · <a href="figures/{esc(name)}.svg">SVG</a></p>')


def cards_html(cards: Iterable[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>' for k, v in cards) + "</div>"


def answers_html(answers: pd.DataFrame, questions: dict[str, str]) -> str:
    """The lowest-alignment coherent answers, grouped by category, each folded under a one-line summary."""
    if answers.empty:
        return '<p class="empty">No coherent answers with alignment scores in the store.</p>'
    parts = []
    for cat, g in answers.groupby(answers["category"].fillna("(no category)"), sort=True):
        items = []
        for _, a in g.iterrows():
            first = " ".join(str(a["response"] or "").split())[:110]
            where = f"{a['model']} · {a['dataset'] or a['run_kind']} · seed {fmt('seed', a['seed'])} · step {fmt('step', a['step'])}"
            if isinstance(a.get("variant"), str) and a["variant"] != "plain":
                where += f" · format {a['variant']}"
            if isinstance(a.get("wrapper"), str):
                where += f" · wrapper {a['wrapper']}"
            items.append(
                f'<details class="ans"><summary>aligned <b>{a["aligned"]:.0f}</b> · coherent {a["coherent"]:.0f} · '
                f'<span class="meta">{esc(where)} · {esc(a["question_id"])}</span><br>{esc(first)}</summary>'
                f'<div class="q">{esc(questions.get(a["sample_id"], ""))}</div>'
                f'<pre class="answer">{esc(a["response"])}</pre></details>')
        parts.append(f'<details class="cat" open><summary>{esc(cat)} ({len(g)})</summary>{"".join(items)}</details>')
    return "".join(parts)


def page(title: str, subtitle: str, nav: list[tuple[str, str]], sections: list[str]) -> str:
    links = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in nav)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{STYLE}</style></head>
<body><header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>
<nav>{links}</nav><main>{"".join(sections)}</main>
<footer>Generated by emwatch on {esc(stamp)}. All model text on this page is shown as text.</footer>
</body></html>
"""


def section(anchor: str, title: str, lead: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2><p class="lead">{esc(lead)}</p>{body}</section>'
