"""PDFs of the evaluator registry: form I.1 (the application with the consent text),
form I.2 (the whole registry file, sections 1–17, seed 003 Annex I). The E-14 nominal
table is a report job (app.evaluators.nominal_table_pdf_job). xhtml2pdf with the embedded DejaVu font (reports.calls.render_pdf);
official forms are Greek whatever the reader's interface language."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import evaluators as service
from models.evaluators import (Evaluator, EvaluatorCentreRelation, EvaluatorCofundedExperience, EvaluatorDegree,
                               EvaluatorFieldPreference, EvaluatorGroupPreference, EvaluatorLanguage,
                               EvaluatorPostgraduate, EvaluatorProfessionalExperience, EvaluatorRegionPreference,
                               EvaluatorTraining, SupportingDocument)
from reports.calls import render_pdf


def _rows(session: Session, model, evaluator: Evaluator, order=None) -> list:
    stmt = select(model).where(model.evaluator_id == evaluator.id).order_by(order if order is not None else model.id)
    return list(session.scalars(stmt))


def _context(session: Session, evaluator: Evaluator) -> dict:
    return {
        "e": evaluator,
        "label": service.enum_label,
        "status": service.status_label(evaluator.status),
        "submitted_at": service._local(evaluator.submitted_at),
        "relations": _rows(session, EvaluatorCentreRelation, evaluator),
        "degrees": _rows(session, EvaluatorDegree, evaluator),
        "postgraduates": _rows(session, EvaluatorPostgraduate, evaluator),
        "trainings": _rows(session, EvaluatorTraining, evaluator),
        "languages": _rows(session, EvaluatorLanguage, evaluator),
        "cofunded": _rows(session, EvaluatorCofundedExperience, evaluator),
        "professional": _rows(session, EvaluatorProfessionalExperience, evaluator),
        "fields": _rows(session, EvaluatorFieldPreference, evaluator, EvaluatorFieldPreference.priority),
        "groups": _rows(session, EvaluatorGroupPreference, evaluator, EvaluatorGroupPreference.priority),
        "regions": _rows(session, EvaluatorRegionPreference, evaluator, EvaluatorRegionPreference.priority),
        "documents": _rows(session, SupportingDocument, evaluator),
    }


FORMS = ("i1", "i2")


def form_pdf(session: Session, evaluator: Evaluator, form: str) -> bytes:
    """Form I.1 or I.2 ("i1", "i2") of the evaluator's file."""
    if form not in FORMS:
        raise ValueError(form)
    return render_pdf(f"evaluators/pdf_form_{form}.html", **_context(session, evaluator))
