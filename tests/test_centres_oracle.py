"""Review F11: a centre or room code gets one answer for "does not exist" and "not
yours" – the lookup by code runs under the row scope like every other lookup."""
import pytest
from flask import g
from sqlalchemy import select

from app import centres as service
from app.errors import Refused
from models.centres import Centre, Room
from models.users import AppUser


def refusal(session, centre_code, room_code):
    with pytest.raises(Refused) as caught:
        service.room_from_form(session, centre_code, room_code)
    return caught.value


def test_f11_codes_are_no_oracle(app):
    with app.test_request_context():
        session = app.appbuilder.session
        g.user = session.scalars(select(AppUser).where(AppUser.username == "manager1")).one()
        other = session.scalars(select(Centre).where(Centre.code == "KSE00002")).one()
        room = session.scalars(select(Room).where(Room.centre_id == other.id)).first()
        assert service.centre_by_code(session, "KSE00001") is not None
        assert service.centre_by_code(session, "KSE00002") is None  # exists, not theirs
        theirs = refusal(session, "KSE00002", room.code)
        missing = refusal(session, "KSE99999", room.code)
        assert (theirs.message, theirs.status, theirs.field) == (missing.message, missing.status, missing.field)
        assert theirs.text().replace("KSE00002", "?") == missing.text().replace("KSE99999", "?")
        # the Admin still names any centre and room
        g.user = session.scalars(select(AppUser).where(AppUser.username == "admin")).one()
        assert service.room_from_form(session, "KSE00002", room.code).id == room.id
        session.remove()
