"""E-8 modification requests through the service and over HTTP, and who reaches what:
an evaluator sees and files only their own requests; the committee decides."""
import datetime as dt
import uuid

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import committee as service
from app.errors import Refused
from models.committee import (
    AgendaItem, ModificationKind, ModificationRequest, ModificationStatus, RecognitionKind,
)
from models import evaluators as em
from models.evaluators import Evaluator, EvaluatorStatus
from models.reference import Region
from models.users import AppUser


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app.appbuilder.session


def evaluator_of(session, username) -> Evaluator:
    user = session.scalar(select(AppUser).where(AppUser.username == username))
    return session.get(Evaluator, user.evaluator_id)


def regions(session):
    return list(session.scalars(select(Region.id).order_by(Region.code)))


T0 = dt.datetime(2026, 3, 1, 10, 0)


def doc(session, ev, n: int) -> int:
    """A supporting document of `ev` (the row only: the file itself is not needed here)."""
    row = em.SupportingDocument(evaluator_id=ev.id, kind=list(em.DocumentKind)[0], description=f"Βεβαίωση {n}",
                                filename=f"b{n}.pdf", stored_name=f"{ev.id}-{n}-{uuid.uuid4().hex}",
                                content_type="application/pdf", size=10, sha256="0" * 64,
                                uploaded_at=dt.datetime(2026, 1, 1))
    session.add(row)
    session.commit()
    return row.id


def test_e8_regions_once_a_year_first_six_kept(ctx):
    ev = evaluator_of(ctx, "evaluator1")
    ids = regions(ctx)
    req = service.file_modification(ctx, ev, ModificationKind.regions, {"regions": ids[:7]}, now=T0)
    assert req.details["regions"] == ids[:6] and req.details["asked"] == 7  # the 7th dropped
    with pytest.raises(Refused) as exc:
        service.file_modification(ctx, ev, ModificationKind.regions, {"regions": ids[:2]},
                                  now=T0 + dt.timedelta(days=364))
    assert exc.value.status == 409
    again = service.file_modification(ctx, ev, ModificationKind.regions, {"regions": ids[2:4]},
                                      now=dt.datetime(2027, 3, 1, 9, 0))  # exactly a year later
    ctx.refresh(req)
    assert req.status is ModificationStatus.superseded  # E-8: the newest conflicting request wins
    service.decide_modification(ctx, again, True, None, None)
    current = service.current_recognitions(ctx, ev.id, RecognitionKind.region)
    assert [r.region_id for r in current] == ids[2:4]


def test_e8_qualifications_once_a_semester(ctx):
    ev = evaluator_of(ctx, "evaluator1")
    d1, d2 = doc(ctx, ev, 1), doc(ctx, ev, 2)
    service.file_modification(ctx, ev, ModificationKind.qualifications, {}, [d1], now=T0)
    with pytest.raises(Refused):
        service.file_modification(ctx, ev, ModificationKind.qualifications, {}, [d2],
                                  now=dt.datetime(2026, 8, 31, 23, 0))
    req = service.file_modification(ctx, ev, ModificationKind.qualifications, {}, [d2], now=dt.datetime(2026, 9, 1))
    # examined like an application without interview: a new degree is verified, then ΒΕ recomputed
    ev.interview_score = Decimal("80")
    for model in service.SECTIONS.values():  # the earlier rows count for nothing here
        for row in ctx.scalars(select(model[0]).where(model[0].evaluator_id == ev.id)):
            row.verification = em.Verification.not_confirmed
    ctx.add(em.EvaluatorDegree(evaluator_id=ev.id, institution="ΕΜΠ", country="Ελλάδα", kind=em.DegreeKind.aei,
                               title="Πτυχίο", awarded_on=dt.date(2020, 1, 1)))
    ctx.commit()
    with pytest.raises(Refused):
        service.decide_modification(ctx, req, True, None, None)  # the new row is not verified yet
    (ref,) = [r["ref"] for r in service.verification_rows(ctx, ev) if r["state"] == "Εκκρεμεί"]
    service.verify_row(ctx, ev, ref, "confirmed", {})
    service.decide_modification(ctx, req, True, None, None)
    ctx.refresh(ev)
    # E-7: ΒΕ1 = 20 (the one verified degree), ΒΕ2 = 0, ΒΕ = 0.60 × 20 + 0.40 × 80
    assert (ev.qualification_score, ev.experience_score, ev.entry_score) == (
        Decimal("20.00"), Decimal("0.00"), Decimal("44.00"))


def test_e8_only_own_documents(ctx):
    ev, other = evaluator_of(ctx, "evaluator1"), evaluator_of(ctx, "evaluator2")
    foreign = doc(ctx, other, 9)
    with pytest.raises(Refused) as exc:
        service.file_modification(ctx, ev, ModificationKind.personal, {"phone": "1"}, [foreign])
    assert exc.value.field == "documents"


def test_e8_rejected_request_not_forwarded_without_new_documents(ctx):
    ev = evaluator_of(ctx, "evaluator1")
    d5, d6 = doc(ctx, ev, 5), doc(ctx, ev, 6)
    first = service.file_modification(ctx, ev, ModificationKind.personal, {"phone": "2100000000"}, [d5], now=T0)
    with pytest.raises(Refused):
        service.decide_modification(ctx, first, False, "", None)  # reasons needed
    service.decide_modification(ctx, first, False, "Δεν προσκομίστηκε βεβαίωση", None)
    same = service.file_modification(ctx, ev, ModificationKind.personal, {"phone": "2100000001"}, [d5],
                                     now=T0 + dt.timedelta(days=1))
    cs, _ = service.create_session(ctx, dt.date(2026, 4, 1))
    service.build_agenda(ctx, cs)
    keys = set(ctx.scalars(select(AgendaItem.request_key).where(AgendaItem.session_id == cs.id)))
    assert f"M{same.id}" not in keys
    new = service.file_modification(ctx, ev, ModificationKind.personal, {"phone": "2100000002"}, [d5, d6],
                                    now=T0 + dt.timedelta(days=2))
    service.build_agenda(ctx, cs)
    keys = set(ctx.scalars(select(AgendaItem.request_key).where(AgendaItem.session_id == cs.id)))
    assert f"M{new.id}" in keys
    service.decide_modification(ctx, new, True, None, None)
    ctx.refresh(ev)
    assert ev.phone == "2100000002"


def test_e8_only_enrolled_evaluators_file(ctx):
    ev = ctx.scalars(select(Evaluator).where(Evaluator.status == EvaluatorStatus.inactive)).first()
    with pytest.raises(Refused):
        service.file_modification(ctx, ev, ModificationKind.personal, {"phone": "1"})
    assert ctx.scalar(select(func.count()).select_from(ModificationRequest)) == 0


def test_e8_evaluator_files_and_sees_only_their_own_over_http(app, login, db_session):
    e1, e2 = login("evaluator1"), login("evaluator2")
    ids = [str(i) for i in regions(db_session)]
    response = e1.post_form("/modificationrequestview/file/", {"kind": "regions", "regions": ids[:8]},
                            page="/modificationrequestview/file/")
    assert response.status_code == 302
    (req,) = db_session.scalars(select(ModificationRequest)).all()
    assert len(req.details["regions"]) == 6
    assert e1.get(f"/modificationrequestview/show/{req.id}").status_code == 200
    assert e2.get(f"/modificationrequestview/show/{req.id}").status_code == 404
    assert "EMA000001" not in e2.get("/modificationrequestview/export/").get_data(as_text=True)
    assert login("grader").get(f"/modificationrequestview/show/{req.id}").status_code in (403, 404)
    # a second regions request within a year: refused with a Greek message, nothing stored
    response = e1.post_form("/modificationrequestview/file/", {"kind": "regions", "regions": ids[:2]},
                            page="/modificationrequestview/file/", follow_redirects=True)
    assert "μπορεί να υποβληθεί ξανά" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ModificationRequest)) == 1
    # an evaluator cannot decide; the committee can
    assert e1.post_form(f"/modificationrequestview/decide/{req.id}", {"accept": "yes"}).status_code == 403
    committee = login("committee")
    assert committee.post_form(f"/modificationrequestview/decide/{req.id}", {"accept": "yes"},
                               page=f"/modificationrequestview/show/{req.id}").status_code == 302
    db_session.expire_all()
    assert db_session.get(ModificationRequest, req.id).status is ModificationStatus.accepted


def test_committee_pages_and_refusals_over_http(app, login, db_session):
    committee = login("committee")
    item = db_session.scalars(select(AgendaItem).order_by(AgendaItem.id)).first()
    session_page = committee.get(f"/committeesessionview/show/{item.session_id}").get_data(as_text=True)
    assert item.evaluator.protocol_no and item.evaluator.protocol_no in session_page
    url = f"/committee/application/{item.evaluator_id}"
    assert committee.get(url).status_code == 200
    # marks outside 0–100: Greek message, nothing stored
    response = committee.post_form(f"{url}/interview", {"breadth": "70", "reach": "101", "completeness": "5",
                                                        "participation": "7"}, page=url, follow_redirects=True)
    assert "από 0 έως 100" in response.get_data(as_text=True)
    assert committee.get(f"{url}/i3.pdf").data.startswith(b"%PDF")
    assert committee.get("/committee/application/999999").status_code == 404
    assert committee.get("/committee/application/abc").status_code == 404
    for user in ("evaluator1", "grader", "manager1"):
        client = login(user)
        assert client.get(url).status_code in (403, 404)
        assert client.post_form(f"{url}/validate", {}).status_code in (403, 404)
        assert client.post_form(f"/committeesessionview/agenda_pdf/{item.session_id}", {}).status_code in (403, 404)
