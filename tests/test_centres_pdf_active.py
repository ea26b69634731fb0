"""Review F10: minutes PDFs with scripts, actions run on opening or embedded files are
refused with a clear message; a plain PDF (also one that opens at page 1) is accepted."""
import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from tests.centres_support import minutes_rows, own, period
from tests.test_centres_minutes import upload

REFUSED = "Δεν γίνονται δεκτά αρχεία PDF με κώδικα, αυτόματες ενέργειες ή ενσωματωμένα αρχεία"


def pdf(change) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript(writer):
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}))
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject({
        NameObject("/Names"): ArrayObject([TextStringObject("run"), action])})})


def open_action(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})


def attachment(writer):
    writer.add_attachment("payload.exe", b"MZ" + bytes(100))


def open_at_first_page(writer):
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([
        writer.pages[0].indirect_reference, NameObject("/Fit")])


@pytest.mark.parametrize("change", [javascript, open_action, attachment])
def test_f10_active_pdf_is_refused(login, db_session, change):
    mine, p = own(db_session), period(db_session)
    response = upload(login("manager1"), p.id, pdf(change), name="πρακτικό.pdf", follow_redirects=True)
    assert REFUSED in response.get_data(as_text=True)
    assert minutes_rows(db_session, mine.centre_id) == []


def test_f10_plain_pdf_opening_at_page_one_is_accepted(login, db_session):
    mine, p = own(db_session), period(db_session)
    response = upload(login("manager1"), p.id, pdf(open_at_first_page), name="πρακτικό.pdf", follow_redirects=True)
    assert REFUSED not in response.get_data(as_text=True)
    assert len(minutes_rows(db_session, mine.centre_id)) == 1
