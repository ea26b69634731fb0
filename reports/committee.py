"""PDFs of the committee's work (E-4, E-5, E-9): a session's agenda and minutes, form
I.3 (in-principle decision and interview). The selection's nominal table is a report
job (app.committee.selection_pdf_job, rendered in parts by reports.jobs). Same pattern as reports.calls (xhtml2pdf + embedded DejaVu Sans)."""
from __future__ import annotations

from reports.calls import render_pdf


def agenda_document(cs, rows, cutoff, forwarded) -> bytes:
    return render_pdf("committee/pdf_agenda.html", cs=cs, rows=rows, cutoff=cutoff, forwarded=forwarded)


def minutes_document(cs, rows) -> bytes:
    return render_pdf("committee/pdf_minutes.html", cs=cs, rows=rows)


def form_i3_document(evaluator, decision, marks, recognitions, labels) -> bytes:
    return render_pdf("committee/pdf_i3.html", evaluator=evaluator, decision=decision, marks=marks,
                      recognitions=recognitions, labels=labels)
