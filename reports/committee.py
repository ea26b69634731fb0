"""PDFs of the committee's work (E-4, E-5, E-9): a session's agenda and minutes, form
I.3 (in-principle decision and interview), the nominal and auxiliary tables of a
selection. Same pattern as reports.calls (xhtml2pdf + embedded DejaVu Sans)."""
from __future__ import annotations

from reports.calls import render_pdf


def agenda_document(cs, rows, cutoff, forwarded) -> bytes:
    return render_pdf("committee/pdf_agenda.html", cs=cs, rows=rows, cutoff=cutoff, forwarded=forwarded)


def minutes_document(cs, rows) -> bytes:
    return render_pdf("committee/pdf_minutes.html", cs=cs, rows=rows)


def form_i3_document(evaluator, decision, marks, recognitions, labels) -> bytes:
    return render_pdf("committee/pdf_i3.html", evaluator=evaluator, decision=decision, marks=marks,
                      recognitions=recognitions, labels=labels)


def selection_document(req, run, criteria, nominal_headers, nominal, auxiliary_headers, auxiliary,
                       omitted: int = 0) -> bytes:
    return render_pdf("committee/pdf_selection.html", req=req, run=run, criteria=criteria,
                      nominal_headers=nominal_headers, nominal=nominal, auxiliary_headers=auxiliary_headers,
                      auxiliary=auxiliary, omitted=omitted)
