"""app.fab_adapter: the one patch of Flask-AppBuilder internals, and the alarm that
rings when FAB changes what it patches."""
import importlib
import inspect
import warnings

import pytest
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select

from app import fab_adapter
from models.centres import Centre, Room


def test_the_patched_fab_method_is_the_one_we_know(app):
    """Fails when FAB changes get_related_obj: then drop the patch if FAB no longer uses
    Query.get, or redo it for the new code."""
    source = inspect.getsource(fab_adapter.FAB_GET_RELATED_OBJ)
    assert "self.session.query(rel_model).get(value)" in source
    assert list(inspect.signature(fab_adapter.FAB_GET_RELATED_OBJ).parameters) == ["self", "col_name", "value"]
    assert SQLAInterface.get_related_obj is fab_adapter._get_related_obj  # installed by the factory


def test_the_patch_loads_the_same_row_without_legacy_warnings(app):
    with app.app_context():
        session = app.appbuilder.session
        centre_id = session.scalar(select(Centre.id).order_by(Centre.id).limit(1))
        interface = SQLAInterface(Room, session=session)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            patched = interface.get_related_obj("centre", centre_id)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            original = fab_adapter.FAB_GET_RELATED_OBJ(interface, "centre", centre_id)
        assert patched is original and patched.id == centre_id
        # The reason for the patch is real: FAB's own method warns.
        assert any("Query.get()" in str(w.message) for w in caught)


def test_a_show_page_with_related_lists_raises_no_deprecation(app, login):
    """CentreView's show page lists rooms, staff, minutes (FAB's relation filters)."""
    with app.app_context():
        centre_id = app.appbuilder.session.scalar(select(Centre.id).order_by(Centre.id).limit(1))
    admin = login("admin")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        response = admin.get(f"/centreview/show/{centre_id}")
    assert response.status_code == 200 and "ws-certified" in response.get_data(as_text=True)


@pytest.mark.parametrize("owner, member, reason", fab_adapter.FAB_INTERNALS_IN_USE)
def test_the_fab_internals_we_read_still_exist(app, owner, member, reason):
    """A FAB upgrade that removes one of them fails here, not in production."""
    module_name, _, class_name = owner.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    views = [v for v in app.appbuilder.baseviews if isinstance(v, cls)]
    assert hasattr(cls, member) or (views and all(hasattr(v, member) for v in views)), reason
