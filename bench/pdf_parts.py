"""Long PDF tables: rendered in parts (reports.jobs.write_pdf_in_parts) against one
xhtml2pdf document, on the E-14 nominal table's template with synthetic rows.

    .venv/bin/python bench/pdf_parts.py --rows 2000 [--one-piece]

xhtml2pdf's time grows with the square of a document's length; parts keep it linear."""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--one-piece", action="store_true", help="also render the whole table as one document")
    args = parser.parse_args()
    from app.evaluators import NominalRow
    from app.factory import create_app
    from reports.calls import render_pdf
    from reports.jobs import PART_ROWS, write_pdf_in_parts

    tmp = Path(tempfile.mkdtemp(prefix="pdf-parts-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'x.db'}", "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(tmp / "up"), "JOBS_QUEUE_URL": "immediate", "RATELIMIT_ENABLED": False})
    rows = [NominalRow(n, f"EMA{n:06d}", "Παπαδόπουλος", "Γεώργιος", "Νικόλαος", "Α", Decimal("20.00"),
                       Decimal("7.50"), Decimal("71.25"), Decimal("45.00")) for n in range(1, args.rows + 1)]
    headers = ["Σειρά", "Α.Μ.", "Επώνυμο", "Όνομα", "Πατρώνυμο", "Επίπεδο", "ΒΕ1", "ΒΕ2", "ΒΕ3", "ΒΕ"]
    with app.test_request_context():
        started = time.perf_counter()
        out = io.BytesIO()
        pages = write_pdf_in_parts(out, tmp / "work", "evaluators/pdf_nominal_table.html", rows,
                                   lambda done, total: None, headers=headers, total=len(rows))
        print(f"{args.rows} rows in parts of {PART_ROWS}: {time.perf_counter() - started:.1f} s, {pages} pages, "
              f"{len(out.getvalue()) / 1e6:.1f} MB")
        if args.one_piece:
            started = time.perf_counter()
            data = render_pdf("evaluators/pdf_nominal_table.html", rows=rows, headers=headers)
            print(f"{args.rows} rows in one document: {time.perf_counter() - started:.1f} s, {len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
