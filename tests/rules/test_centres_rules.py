"""app.rules.centres: windows (K-2, K-3), the final-submission check (K-2, K-3), the
minutes file checks and names (K-3), the Α.Μ. format (K-2, K-10)."""
import datetime as dt

from app.rules.centres import (StaffLine, check_submission, clean_filename, looks_like_pdf, minutes_upload_open,
                               next_attempt, teacher_registry_no_is_valid, window_open)

NOW = dt.datetime(2026, 9, 1, 12, 0)
H = dt.timedelta(hours=1)


def test_window_is_open_between_its_ends_inclusive():
    assert window_open(NOW - H, NOW + H, NOW)
    assert window_open(NOW, NOW, NOW)
    assert not window_open(NOW + H, NOW + 2 * H, NOW)
    assert not window_open(NOW - 2 * H, NOW - H, NOW)
    assert not window_open(None, NOW + H, NOW) and not window_open(NOW - H, None, NOW)


def test_minutes_until_the_deadline():
    assert minutes_upload_open(NOW, NOW) and minutes_upload_open(NOW + H, NOW)
    assert not minutes_upload_open(NOW - H, NOW) and not minutes_upload_open(None, NOW)


def test_submission_needs_window_minutes_and_every_member_confirmed_against_the_current_minutes():
    staff = [StaffLine("Β Β", 7), StaffLine("Α Α", 7), StaffLine("Γ Γ", 6), StaffLine("Δ Δ", None)]
    check = check_submission(window_is_open=True, already_final=False, current_minutes_id=7, staff=staff)
    assert not check.ok and check.unconfirmed == ("Γ Γ", "Δ Δ")  # 6 = an earlier version
    assert check.staff_count == 4
    ok = check_submission(window_is_open=True, already_final=False, current_minutes_id=7, staff=staff[:2])
    assert ok.ok and ok.unconfirmed == ()
    no_minutes = check_submission(window_is_open=True, already_final=False, current_minutes_id=None, staff=staff[:2])
    assert not no_minutes.ok and no_minutes.unconfirmed == ("Α Α", "Β Β")
    assert not check_submission(window_is_open=False, already_final=False, current_minutes_id=7, staff=staff[:2]).ok
    assert not check_submission(window_is_open=True, already_final=True, current_minutes_id=7, staff=staff[:2]).ok
    assert next_attempt(None) == 1 and next_attempt(2) == 3


def test_pdf_magic_and_clean_greek_file_names():
    assert looks_like_pdf(b"%PDF-1.7\n") and not looks_like_pdf(b"MZ\x90\x00") and not looks_like_pdf(b"")
    assert clean_filename("Πρακτικό Συλλόγου.pdf") == "Πρακτικό Συλλόγου.pdf"
    assert clean_filename("C:\\Users\\kse\\Πρακτικό.PDF") == "Πρακτικό.PDF"
    assert clean_filename("../../etc/passwd") == "passwd.pdf"
    assert clean_filename("a\x00b\r\nc.pdf") == "abc.pdf"
    assert clean_filename("") == clean_filename(None) == "minutes.pdf"
    assert clean_filename("Πρακτικό.exe") == "Πρακτικό.exe.pdf"
    assert clean_filename("Ο" * 500 + ".pdf") == "Ο" * 196 + ".pdf"
    decomposed = "Πρακτικό".replace("ό", "ο\u0301")
    assert clean_filename(decomposed + ".pdf") == "Πρακτικό.pdf"  # NFC, as typed on another OS


def test_teacher_registry_number_is_six_digits():
    assert teacher_registry_no_is_valid("600001")
    for bad in ("60000", "6000011", "60000a", "", None, "６００００１"):
        assert not teacher_registry_no_is_valid(bad), bad
