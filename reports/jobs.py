"""Long PDFs for report jobs (app.jobs.report_handler): a document of thousands of table
rows rendered in parts and joined.

xhtml2pdf's time grows with the square of a document's length (measured on the shared
machine: 250 rows 5 s, 1,000 rows 38 s, 2,000 rows 178 s), so a long table is rendered
as parts of PART_ROWS rows, each a PDF of its own written to a file next to the result,
joined with pypdf and numbered "page i / n" afterwards (each part alone cannot know the
total). Linear in the rows, and the job can report progress part by part.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from flask import render_template
from flask_babel import force_locale, gettext

from reports.calls import FONT_DIR, PdfError, render_pdf

PART_ROWS = 150
Progress = Callable[[int, int | None], None]


def write_pdf(out: IO[bytes], template: str, **context: Any) -> None:
    """A short document in one piece."""
    out.write(render_pdf(template, **context))


def write_pdf_in_parts(out: IO[bytes], workdir: Path, template: str, rows: Sequence[Any], progress: Progress,
                       *, part_rows: int = PART_ROWS, **context: Any) -> int:
    """Render `template` once per slice of `rows` (the template gets `rows`, `first`,
    `last`, `offset` and `parts`=True: the heading on the first part, closing tables on
    the last, no page numbers of its own), join the parts into `out` and number the
    pages. Returns the number of pages."""
    from pypdf import PdfReader, PdfWriter
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    slices = [rows[i:i + part_rows] for i in range(0, len(rows), part_rows)] or [rows[:0]]
    policy = ResourceAccessPolicy(base_dir=FONT_DIR, extra_roots=(FONT_DIR,), allow_remote=False)
    workdir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    try:
        for number, part in enumerate(slices):
            with force_locale("el"):
                html = render_template(template, font_dir=FONT_DIR.as_posix(), rows=part, first=number == 0,
                                       last=number == len(slices) - 1, offset=number * part_rows, parts=True,
                                       **context)
            path = workdir / f"part-{number:05d}.pdf"
            with path.open("wb") as fh:
                if pisa.CreatePDF(html, dest=fh, encoding="utf-8", resource_policy=policy).err:
                    raise PdfError(f"PDF rendering of {template} failed (part {number + 1})")
            paths.append(path)
            progress(number + 1, len(slices) + 1)
        writer = PdfWriter()
        for path in paths:
            writer.append(PdfReader(path))
        _number_pages(writer)
        writer.write(out)
        progress(len(slices) + 1, len(slices) + 1)
        return len(writer.pages)
    finally:
        for path in paths:
            path.unlink(missing_ok=True)


def _number_pages(writer: Any) -> None:
    """Stamp "page i / n" at the foot of every page (DejaVu Sans: Greek)."""
    from pypdf import PdfReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
    with force_locale("el"):
        word = gettext("page")
    total = len(writer.pages)
    buffer = io.BytesIO()
    stamp = canvas.Canvas(buffer)
    for number, page in enumerate(writer.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        stamp.setPageSize((width, height))
        stamp.setFont("DejaVuSans", 7.5)
        stamp.drawRightString(width - 40, 20, f"{word} {number} / {total}")
        stamp.showPage()
    stamp.save()
    for page, overlay in zip(writer.pages, PdfReader(buffer).pages, strict=True):
        page.merge_page(overlay)
