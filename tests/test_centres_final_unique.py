"""Review F7: concurrent final submissions of a centre's staff (two workers that read
different attempt numbers) store exactly one final: the database refuses the second,
on SQLite and PostgreSQL alike."""
import io

import pytest
from sqlalchemy.exc import IntegrityError

from models.centres import StaffSubmission
from models.mixins import utcnow
from tests.centres_support import own, pdf_bytes, period, submissions


def final_submission(login, db_session):
    mine = own(db_session)
    manager = login("manager1")
    p = period(db_session)
    manager.post_form("/minutes/upload/", {"training_period": p.id, "file": (io.BytesIO(pdf_bytes(pages=2)), "π.pdf")},
                      page="/minutes/list/", content_type="multipart/form-data")
    manager.post_form("/staff-submission/confirm/", {"member": mine.coordinators + mine.technical_managers},
                      page="/staff-submission/list/")
    manager.post_form("/staff-submission/submit/", page="/staff-submission/list/")
    (first,) = submissions(db_session, mine.centre_id)
    return first


def another(first, attempt):
    return StaffSubmission(centre_id=first.centre_id, training_period_id=first.training_period_id, attempt=attempt,
                           submitted_at=utcnow(), staff_count=first.staff_count)


def test_f7_a_second_final_is_refused_by_the_database(login, db_session):
    first = final_submission(login, db_session)
    assert first.is_final
    db_session.add(another(first, first.attempt + 2))  # a worker that computed a later attempt
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_f7_after_a_reopen_the_next_final_is_accepted(login, db_session):
    first = final_submission(login, db_session)
    first.reopened_at = utcnow()
    first.reopen_reason = "διόρθωση"
    db_session.add(another(first, first.attempt + 1))
    db_session.flush()
    db_session.rollback()
