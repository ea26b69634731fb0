"""K-3 teacher-council minutes: only real PDFs, size-limited before the body is read,
kept outside any static folder under a generated name with their SHA-256, the Greek
file name kept for download, served only to those allowed to see the centre, every
version kept."""
import datetime as dt
import hashlib
import io
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from models.audit import AuditEntry
from tests.centres_support import minutes_rows, own, pdf_bytes, period

GREEK_NAME = "Πρακτικό Συλλόγου Διδασκόντων 2026-27.pdf"


def upload(client, period_id, data: bytes, name: str = GREEK_NAME, **kwargs):
    return client.post_form("/minutes/upload/", {"training_period": period_id, "file": (io.BytesIO(data), name)},
                            page="/minutes/list/", content_type="multipart/form-data", **kwargs)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "minutes"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_keeps_the_pdf_with_its_hash_and_greek_name(login, db_session, app):
    mine = own(db_session)
    p = period(db_session)
    data = pdf_bytes(pages=3)
    manager = login("manager1")
    response = upload(manager, p.id, data, follow_redirects=True)
    assert "αναρτήθηκε (έκδοση 1)" in response.get_data(as_text=True)

    (row,) = minutes_rows(db_session, mine.centre_id)
    assert row.original_name == GREEK_NAME and row.page_count == 3 and row.size_bytes == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest() and row.is_current
    assert row.uploaded_by.username == "manager1" and row.training_period_id == p.id
    (path,) = stored_files(app)
    assert path.name == row.stored_name and len(row.stored_name) == 32 and "." not in row.stored_name
    assert path.read_bytes() == data
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "action:upload_minutes")).one()
    assert row.sha256 in entry.changes and entry.username == "manager1"

    # Shown as a link; the download is the same bytes under the Greek name (RFC 5987).
    html = manager.get("/minutes/list/").get_data(as_text=True)
    assert f'href="/minutes/file/{row.id}">{GREEK_NAME}</a>' in html
    for who in ("manager1", "helpdesk", "admin"):
        response = login(who).get(f"/minutes/file/{row.id}")
        assert response.status_code == 200, who
        assert response.data == data and response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(GREEK_NAME)}" in disposition
        assert "no-store" in response.headers["Cache-Control"]
    # Another centre's manager and anonymous users never get it.
    assert login("manager2").get(f"/minutes/file/{row.id}").status_code == 404
    anonymous = app.test_client().get(f"/minutes/file/{row.id}")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]
    assert app.test_client().get(f"/static/../instance/uploads/minutes/{row.stored_name}").status_code == 404


def test_replacing_keeps_the_earlier_version_in_history(login, db_session, app):
    mine = own(db_session)
    p = period(db_session)
    manager = login("manager1")
    first, second = pdf_bytes(1), pdf_bytes(2)
    upload(manager, p.id, first, name="Πρακτικό α.pdf")
    upload(manager, p.id, second, name="Πρακτικό β.pdf")
    v1, v2 = minutes_rows(db_session, mine.centre_id)
    assert (v1.version, v2.version) == (1, 2)
    assert not v1.is_current and v1.superseded_at is not None and v2.is_current
    assert len(stored_files(app)) == 2
    assert manager.get(f"/minutes/file/{v1.id}").data == first
    html = manager.get("/minutes/list/").get_data(as_text=True)
    assert "Πρακτικό α.pdf" in html and "Πρακτικό β.pdf" in html
    current = html.split('id="minutes-current"')[1].split("</table>")[0]
    assert "Πρακτικό β.pdf" in current and "Πρακτικό α.pdf" not in current


def test_only_real_pdfs_are_accepted(login, db_session, app):
    """A renamed .exe, a broken PDF, an empty file: refused with a clear message."""
    mine = own(db_session)
    p = period(db_session)
    manager = login("manager1")
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(2000)
    broken = pdf_bytes()[:200]  # starts like a PDF, cannot be parsed
    cases = [(exe, "setup.pdf", "Το αρχείο δεν είναι έγγραφο PDF."),
             (broken, "σπασμένο.pdf", "Το αρχείο PDF είναι κατεστραμμένο ή δεν διαβάζεται."),
             (b"%PDF-1.7\n%%EOF\n", "κενό.pdf", "Το αρχείο PDF είναι κατεστραμμένο ή δεν διαβάζεται."),
             (b"", "άδειο.pdf", "Το αρχείο είναι κενό.")]
    for data, name, message in cases:
        response = upload(manager, p.id, data, name=name, follow_redirects=True)
        assert message in response.get_data(as_text=True), name
    assert minutes_rows(db_session, mine.centre_id) == []
    assert stored_files(app) == []


def test_size_limit_is_enforced_before_the_body_is_read(login, db_session, app):
    app.config["MINUTES_MAX_BYTES"] = 50_000
    manager = login("manager1")
    token = manager.csrf("/minutes/list/")

    class Body(io.RawIOBase):
        """A 5 MB request body that counts what the server reads of it."""

        size = 5 * 1024 * 1024
        read_bytes = 0

        def __init__(self):
            self.pos = 0

        def readable(self):
            return True

        def seekable(self):
            return True

        def tell(self):
            return self.pos

        def seek(self, offset, whence=0):
            self.pos = offset if whence == 0 else self.size + offset if whence == 2 else self.pos + offset
            return self.pos

        def readinto(self, buffer):
            n = max(0, min(len(buffer), self.size - self.pos))
            buffer[:n] = b"x" * n
            self.pos += n
            Body.read_bytes += n
            return n

    response = manager.c.post("/minutes/upload/", input_stream=Body(), content_length=Body.size,
                              content_type="multipart/form-data; boundary=xyz", headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert "Το αρχείο είναι πολύ μεγάλο" in response.get_data(as_text=True)
    assert Body.read_bytes == 0
    # Over the limit but under the request slack: parsed, then refused by size.
    data = pdf_bytes()
    data += b"%" * (50_001 - len(data))
    response = upload(manager, period(db_session).id, data, follow_redirects=True)
    assert "Το αρχείο υπερβαίνει τα 0.0476837 MB." in response.get_data(as_text=True)
    assert minutes_rows(db_session, own(db_session).centre_id) == []


def test_upload_only_for_an_open_period_and_only_by_a_centre_manager(login, db_session, app):
    mine = own(db_session)
    past = period(db_session, "2025-2026-B")
    manager = login("manager1")
    response = upload(manager, past.id, pdf_bytes(), follow_redirects=True)
    assert "έχει λήξει" in response.get_data(as_text=True)
    response = upload(manager, 999_999, pdf_bytes(), follow_redirects=True)
    assert "Επιλέξτε την περίοδο επιμόρφωσης." in response.get_data(as_text=True)
    # The upload form lists only the periods still open for minutes.
    html = manager.get("/minutes/list/").get_data(as_text=True)
    form = html.split('id="minutes-upload"')[1].split("</form>")[0]
    assert "2026-2027-A" in form and "2025-2026-B" not in form
    # Deadline passes: refused even for the open period.
    p = period(db_session)
    p.minutes_deadline = dt.datetime(2000, 1, 1)
    db_session.commit()
    response = upload(manager, p.id, pdf_bytes(), follow_redirects=True)
    assert "έχει λήξει" in response.get_data(as_text=True)
    assert upload(login("helpdesk"), p.id, pdf_bytes()).status_code == 403
    assert upload(login("admin"), p.id, pdf_bytes()).status_code == 403  # no centre of their own
    assert minutes_rows(db_session, mine.centre_id) == [] and stored_files(app) == []
