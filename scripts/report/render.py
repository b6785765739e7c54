"""Write a Report as one self-contained HTML file (inline SVG charts) or as Markdown with PNG charts beside it."""

from __future__ import annotations

import html
from pathlib import Path

from scripts.report.content import Report, Section, Table

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1f2328;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem} .subtitle{color:#59636e;margin-top:0}
section{border-top:1px solid #d1d9e0;margin-top:1.5rem;padding-top:.5rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem} caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d1d9e0;padding:.25rem .6rem;text-align:left} th{background:#f6f8fa}
td.num{text-align:right} figure{margin:.5rem 0 1rem} figcaption{color:#59636e;font-size:.85rem}
svg{max-width:100%;height:auto}
"""


def _is_number(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "+-–") and cell not in ("-",)


def _html_table(caption: str, table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    if not table.rows:
        return f'<p class="empty"><strong>{html.escape(caption)}</strong>: none.</p>'
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(c)}</td>' if _is_number(c) else f"<td>{html.escape(c)}</td>" for c in row
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_section(section: Section) -> str:
    parts = [
        f'<section id="{section.id}">',
        f"<h2>{html.escape(section.title)}</h2>",
        f"<p>{html.escape(section.lead)}</p>",
    ]
    for chart in section.charts:
        parts.append(
            f'<figure data-chart="{chart.name}">{chart.svg()}<figcaption>{html.escape(chart.title)}</figcaption></figure>'
        )
    parts += [_html_table(caption, table) for caption, table in section.tables]
    parts += [f"<p>{html.escape(note)}</p>" for note in section.notes]
    parts.append("</section>")
    return "\n".join(parts)


def write_html(report: Report, out: Path, stem: str) -> list[Path]:
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(report.title)}</title><style>{CSS}</style></head><body>",
            f"<h1>{html.escape(report.title)}</h1>",
            f'<p class="subtitle">{html.escape(report.subtitle)}</p>',
            *(_html_section(s) for s in report.sections),
            "</body></html>",
            "",
        ]
    )
    path = out / f"{stem}.html"
    path.write_text(page, encoding="utf-8")
    return [path]


def _md_cell(cell: str) -> str:
    return cell.replace("|", "\\|")


def _md_table(caption: str, table: Table) -> list[str]:
    if not table.rows:
        return [f"**{caption}**: none.", ""]
    lines = [f"**{caption}**", "", "| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return [*lines, ""]


def write_markdown(report: Report, out: Path, stem: str) -> list[Path]:
    written: list[Path] = []
    lines = [f"# {report.title}", "", f"_{report.subtitle}_", ""]
    for section in report.sections:
        lines += [f"## {section.title}", "", section.lead, ""]
        for chart in section.charts:
            png = out / f"{stem}-{chart.name}.png"
            png.write_bytes(chart.png())
            written.append(png)
            lines += [f"![{chart.title}]({png.name})", ""]
        for caption, table in section.tables:
            lines += _md_table(caption, table)
        lines += [*section.notes]
    path = out / f"{stem}.md"
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return [path, *written]
