"""Renderings of the evaluation area: the score-time chart of ΜΑ (matplotlib, PNG),
the individual sheet (E-15, Annex III) and the nominal tables (E-14) as PDF, and the
nominal tables' CSV (ΒΕ, every ΒΑ and ΒΚ, so the order can be recomputed)."""
from __future__ import annotations

import base64
import io
from collections.abc import Iterator

from flask_babel import gettext

from app import evaluation as service
from reports.calls import FONT_DIR, render_pdf


def points_chart(points: list[tuple[str, int]]) -> bytes:
    """E-12: ΜΑ per closed cycle and its running total, as a PNG (Agg, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = font_manager.FontProperties(fname=str(FONT_DIR / "DejaVuSans.ttf"))
    figure = Figure(figsize=(6.4, 2.8), dpi=100)
    axes = figure.subplots()
    labels = [name for name, _ in points]
    values = [value for _, value in points]
    running, total = [], 0
    for value in values:
        total += value
        running.append(total)
    if points:
        axes.bar(range(len(values)), values, color="#4a7ab5", label=gettext("MA of the cycle"))
        axes.plot(range(len(running)), running, color="#c0392b", marker="o", label=gettext("Total MA"))
        axes.set_xticks(range(len(labels)), labels, fontproperties=font)
        axes.legend(prop=font, loc="best")
    else:
        axes.text(0.5, 0.5, gettext("Not yet evaluated"), ha="center", va="center", fontproperties=font)
        axes.set_xticks([])
    axes.axhline(0, color="#444", linewidth=0.8)
    axes.set_ylabel(gettext("Performance points (MA)"), fontproperties=font)
    figure.tight_layout()
    out = io.BytesIO()
    # No metadata: nothing about the software or anyone in the file.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def sheet_pdf(sheet: service.Sheet, sections: list[dict]) -> bytes:
    """The individual sheet (E-15) with the chart embedded as an image."""
    chart = "data:image/png;base64," + base64.b64encode(points_chart(sheet.chart_points)).decode("ascii")
    return render_pdf("evaluation/pdf_sheet.html", sheet=sheet, chart=chart, level_label=service.level_label,
                      when=service.when, session_label=service.session_label, sheet_sections=sections)


def nominal_pdf(tables: service.NominalTables) -> bytes:
    return render_pdf("evaluation/pdf_nominal.html", tables=tables, level_label=service.level_label)


def nominal_csv_rows(session, tables: service.NominalTables) -> tuple[list[str], Iterator[list]]:
    """One row per evaluator of every table: table, rank, registry no., name, level,
    date of entry into Γ, ΒΕ, each closed cycle's ΒΑ (in order, "cycle=ΒΑ"), ΒΚ."""
    headers = [gettext("Table"), gettext("Rank"), gettext("Registry no."), gettext("Last name"),
               gettext("First name"), gettext("Level"), gettext("Entered level Γ on"), gettext("Entry score (BE)"),
               gettext("BA per cycle"), gettext("Ranking score (BK)")]
    everyone = [("AB", tables.levels_ab), ("C", tables.level_c), ("inactive", tables.inactive)]
    names = {"AB": gettext("Levels Α and Β"), "C": gettext("Level Γ"), "inactive": gettext("Inactive")}
    ids = [row.evaluator.id for _k, rows in everyone for row in rows]
    scores = service.closed_scores(session, ids)

    def rows() -> Iterator[list]:
        for key, table in everyone:
            for row in table:
                e = row.evaluator
                yield [names[key], row.rank, e.registry_no, e.last_name, e.first_name,
                       service.level_label(e.level) if e.level else None,  # empty cell, not «—»
                       row.entered_c_on, e.entry_score, " ".join(f"{n}={s}" for n, s in scores.get(e.id, [])),
                       e.ranking_score]

    return headers, rows()
