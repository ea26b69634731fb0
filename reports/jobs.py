"""Long PDFs for report jobs (app.jobs.report_handler): a document of thousands of table
rows rendered in parts and joined.

xhtml2pdf's time grows with the square of a document's length (measured on the shared
machine: 250 rows 5 s, 1,000 rows 38 s, 2,000 rows 178 s), so a long table is rendered
as parts of PART_ROWS rows, each a PDF of its own written to a file next to the result,
joined with pypdf and numbered "i / n" afterwards (each part alone cannot know the
total). Linear in the rows, and the job can report progress part by part.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from flask import render_template
from flask_babel import force_locale

from reports.calls import FONT_DIR, PdfError, render_pdf

PART_ROWS = 150
Progress = Callable[[int, int | None], None]


def write_pdf(out: IO[bytes], template: str, **context: Any) -> None:
    """A short document in one piece."""
    out.write(render_pdf(template, **context))


def write_pdf_in_parts(out: IO[bytes], workdir: Path, template: str, rows: Sequence[Any], progress: Progress,
                       *, part_rows: int | None = None, **context: Any) -> int:
    """Render `template` once per slice of `rows` (the template gets `rows`, `first`,
    `last`, `offset` and `parts`=True: the heading on the first part, closing tables on
    the last, no page numbers of its own), join the parts into `out` and number the
    pages. Returns the number of pages."""
    from pypdf import PdfReader, PdfWriter
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    part_rows = part_rows or PART_ROWS  # read at call time (a test or a bench may change it)
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
    """Write "i / n" at the foot of every page: a few operators appended to each page's
    content with the built-in Helvetica (digits only; no font file). Merging an overlay
    page instead copies the parts' embedded fonts into every page (measured: 12 pages,
    171 kB → 1.1 MB)."""
    from pypdf.generic import ContentStream, DictionaryObject, NameObject
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        resources = page[NameObject("/Resources")].get_object()
        fonts = resources.get(NameObject("/Font"))
        if fonts is None:
            fonts = resources[NameObject("/Font")] = DictionaryObject()
        fonts.get_object()[NameObject("/FPageNo")] = font
        text = f"{number} / {total}"
        x = float(page.mediabox.width) - 40 - stringWidth(text, "Helvetica", 7.5)
        contents = page.get_contents()
        stream = ContentStream(None, writer)
        stream.set_data((contents.get_data() if contents is not None else b"")
                        + f"\nq BT /FPageNo 7.5 Tf {x:.2f} 20 Td ({text}) Tj ET Q\n".encode("ascii"))
        page.replace_contents(stream)
        page.compress_content_streams()
