"""Real browser (Debian chromium): the chair and the independent assessor finish marking the
demo cycle 2026-Α, the committee closes it and rescores, and evaluator1 downloads their
individual sheet whose chart now holds the new cycle (E-10…E-15)."""
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from models.evaluation import CycleStatus, EvaluationCycle, Participation, ReportMark, RescoringRun
from models.users import AppUser
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def logout(page):
    page.context.clear_cookies()


def fill_and_save(page, url, values):
    page.goto(url)
    for name, value in values.items():
        page.fill(f"#model_form [name={name}]", str(value))
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state()


def test_marking_closing_rescoring_and_the_sheet_pdf(page, db_session):
    cycle = db_session.scalar(select(EvaluationCycle).where(EvaluationCycle.name == "2026-Α"))
    ids = dict(db_session.execute(select(AppUser.username, AppUser.id)).all())
    open_line = db_session.scalar(select(Participation.id).where(Participation.cycle_id == cycle.id,
                                                                 Participation.interest.is_(None)))
    open_reports = {who: db_session.scalar(select(ReportMark.id).where(
        ReportMark.cycle_id == cycle.id, ReportMark.grader_id == ids[who], ReportMark.commentary.is_(None)))
        for who in ("grader", "assessor")}
    runs_before = len(db_session.scalars(select(RescoringRun.id)).all())
    page.on("dialog", lambda dialog: dialog.accept())

    # The chair: axis i of the one evaluator left, then their last coded report.
    browser_login(page, "grader")
    page.click("text=Αξιολόγηση αξιολογητών")
    page.click("text=Βαθμοί άξονα i (πρόεδρος)")
    page.wait_for_load_state()
    assert "2026-Α" in page.inner_text("body")
    fill_and_save(page, f"/attitudemarkingview/edit/{open_line}",
                  {"interest": 101, "organisation": 80, "time_management": 70, "cooperativeness": 90})
    assert "/edit/" in page.url  # 101 refused, the form again
    fill_and_save(page, f"/attitudemarkingview/edit/{open_line}",
                  {"interest": 85, "organisation": 80, "time_management": 70, "cooperativeness": 90})
    fill_and_save(page, f"/reportmarkingview/edit/{open_reports['grader']}",
                  {"commentary": 75, "clarity": 80, "consistency": 70, "usefulness": 65})
    logout(page)

    # The independent assessor: their coded list shows codes, never authors.
    browser_login(page, "assessor")
    page.goto("/reportmarkingview/list/")
    assert "EMA0" not in page.inner_text("body")
    fill_and_save(page, f"/reportmarkingview/edit/{open_reports['assessor']}",
                  {"commentary": 60, "clarity": 70, "consistency": 80, "usefulness": 90})
    logout(page)

    # The committee closes the cycle and rescores (a background job with its page).
    browser_login(page, "committee")
    page.goto(f"/evaluationcycleview/show/{cycle.id}")
    page.click("#cycle-close")
    page.wait_for_load_state()
    assert "Ο κύκλος έκλεισε" in page.inner_text("body")
    page.click("text=Αξιολόγηση αξιολογητών")
    page.click("text=Επαναπροσδιορισμός βαθμολογίας")
    page.wait_for_load_state()
    page.click("#rescore-button")
    page.wait_for_load_state()
    assert "/jobs/" in page.url
    logout(page)
    db_session.expire_all()
    assert db_session.get(EvaluationCycle, cycle.id).status is CycleStatus.closed
    assert len(db_session.scalars(select(RescoringRun.id)).all()) == runs_before + 1

    # evaluator1 downloads their sheet: the chart now covers the new cycle.
    browser_login(page, "evaluator1")
    page.goto("/sheet/")
    assert "2026-Α" in page.inner_text("#sheet-cycles")
    with page.expect_download() as info:
        page.click("#sheet-pdf")
    reader = PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Κύκλοι στο διάγραμμα: 2025-Α, 2026-Α" in text
    assert [img for p in reader.pages for img in p.images]
