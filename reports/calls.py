"""PDF and table reports of the calls area: Form A2 (K-8) and the Annex A table
"Πίνακας Γεωγραφικής Κατανομής Προγραμμάτων Επιμόρφωσης" (K-4).

PDFs are made with xhtml2pdf and DejaVu Sans, shipped in reports/fonts/ (the built-in
Helvetica has no accented Greek; ../shared/fab-notes.md). xhtml2pdf confines local reads
to the document's directory, so the font directory is allowed explicitly by a
ResourceAccessPolicy that also forbids any network fetch. Official forms are Greek
whatever the reader's interface language.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from flask import render_template
from flask_babel import force_locale

FONT_DIR = Path(__file__).resolve().parent / "fonts"


class PdfError(RuntimeError):
    pass


def render_pdf(template: str, **context) -> bytes:
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    with force_locale("el"):
        html = render_template(template, font_dir=FONT_DIR.as_posix(), **context)
    policy = ResourceAccessPolicy(base_dir=FONT_DIR, extra_roots=(FONT_DIR,), allow_remote=False)
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise PdfError(f"PDF rendering of {template} failed ({result.err} errors)")
    return out.getvalue()


@dataclass
class AnnexRow:
    kind: str  # "region" (ΙΙb counts) or "prefecture" (ΙΙa counts)
    code: str
    name: str
    counts: dict = field(default_factory=dict)  # cluster code -> programmes

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class AnnexTable:
    clusters: list  # [(code, name)] in the clusters' order
    rows: list  # AnnexRow, each region followed by its prefectures
    totals: dict  # cluster code -> all programmes (ΙΙa + ΙΙb)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def empty(self) -> bool:
        return not self.rows


def annex_table(cells, clusters, regions, prefectures) -> AnnexTable:
    """The geographic distribution table (K-4): per region its ΙΙb programmes, then per
    prefecture of it the ΙΙa programmes, one column per cluster.

    cells: iterable of (cluster code, category, area code, programmes);
    clusters: [(code, name)] ordered; regions: [(code, name)] ordered;
    prefectures: [(code, name, region code)] ordered.
    """
    ia: dict[str, dict[str, int]] = {}
    ib: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {code: 0 for code, _ in clusters}
    for cluster, category, area, programmes in cells:
        (ia if category == "IIa" else ib).setdefault(area, {})[cluster] = programmes
        totals[cluster] = totals.get(cluster, 0) + programmes
    rows: list[AnnexRow] = []
    for region_code, region_name in regions:
        own = [p for p in prefectures if p[2] == region_code and p[0] in ia]
        if region_code not in ib and not own:
            continue
        rows.append(AnnexRow("region", region_code, region_name, ib.get(region_code, {})))
        rows.extend(AnnexRow("prefecture", code, name, ia[code]) for code, name, _r in own)
    return AnnexTable(list(clusters), rows, totals)


def a2_pdf(app, call, centre, *, submitted_local) -> bytes:
    """Form A2 (K-8): application / declaration of interest, from the final application's
    stored data (the declarations as accepted, the prefecture at submission)."""
    prefecture = app.prefecture or centre.prefecture
    return render_pdf(
        "calls/pdf_a2.html",
        app=app, call=call, centre=centre, prefecture=prefecture, region=prefecture.region if prefecture else None,
        choices=list(app.choices), declarations=[d for d in (app.declarations_text or "").splitlines() if d.strip()],
        submitted_local=submitted_local,
    )


def annex_a_pdf(call, table: AnnexTable) -> bytes:
    return render_pdf("calls/pdf_annex_a.html", call=call, table=table)
