"""The Greek catalogue (translations/el): complete, and written the way the manual
(seed 000, seed 003) writes: Greek letters only inside Greek words, Greek quotes, final
sigma, and one term per concept (README "Glossary" lists the decisions)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "translations" / "el" / "LC_MESSAGES" / "messages.po"
GREEK = "\u0370-\u03ff\u1f00-\u1fff"
# A Latin letter touching a Greek one inside a word (e.g. Latin «A» in «ΑΦΜ»).
MIXED = re.compile(rf"[A-Za-z](?=[{GREEK}])|(?<=[{GREEK}])[A-Za-z]")
# The manual's own spelling of the two categories: Greek «ΙΙ», Latin «a»/«b».
MANUAL_MIXED = re.compile(r"\u0399\u0399[ab]\b")
# Capitals that look the same in both alphabets: a word made only of them is Greek
# text typed on a Latin keyboard (ΒΕ, ΒΑ, ΚΣΕ …), unless it is one of these Latin words.
LOOKALIKE_WORD = re.compile(r"(?<![\w.])[ABEHIKMNOPTXYZ](?:[ABEHIKMNOPTXYZ.]*[ABEHIKMNOPTXYZ])?(?![\w-])")
LATIN_WORDS = {"ZIP", "MB"}  # (a hyphen makes a Latin word: E-mail)
# ASCII quotes around Greek text: the manual writes «…». Code shown to the user keeps them.
ASCII_QUOTED_GREEK = re.compile(rf"\"[^\"]*[{GREEK}][^\"]*\"|'[^']*[{GREEK}][^']*'")
CODE_SAMPLES = {"random.Random("}
# One term per concept (wrong → the term used), from the manual where it has one.
TERMS = {
    "Εγγεγραμμέν": "ενταγμένος (seed 003: ένταξη στο Μητρώο)",
    "κώλυμα": "εξαίρεση (seed 003, άρθρο 3.3)",
    "κωλύματ": "εξαιρέσεις (seed 003, άρθρο 3.3)",
    "βαθμολογία κατάταξης": "βαθμός κατάταξης (ΒΚ)",
    "βαθμολογίας εισόδου": "βαθμός ένταξης (ΒΕ)",
    "Ομάδες στόχου": "ομάδες-στόχοι",
    "γραφείο υποστήριξης": "Υπηρεσία Υποστήριξης",
    "Backoffice": "Διαχειριστικό σύστημα",
    "Σύνδεση": "Είσοδος (manual 4.1)",
    "Α.Μ. μητρώου": "αριθμός μητρώου (Α.Μ. is the teacher registry number)",
    "Μάστερ": "μεταπτυχιακό",
    "IIa": "ΙΙa (Greek capitals, as the manual)",
    "IIb": "ΙΙb (Greek capitals, as the manual)",
}


def entries():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="el")
    for message in catalog:
        if not message.id:
            continue  # the header
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield msgid, message, strings


def test_every_entry_is_translated_and_none_is_fuzzy():
    missing = [msgid for msgid, message, strings in entries() if not all(strings)]
    fuzzy = [msgid for msgid, message, _ in entries() if message.fuzzy]
    assert missing == [] and fuzzy == []


def test_no_latin_letter_inside_a_greek_word():
    found = [(msgid, s) for msgid, _, strings in entries() for s in strings
             if MIXED.search(MANUAL_MIXED.sub("", s))]
    assert found == []


def test_no_greek_abbreviation_typed_in_latin_lookalikes():
    found = [(msgid, word) for msgid, _, strings in entries() for s in strings
             if re.search(f"[{GREEK}]", s)
             for word in LOOKALIKE_WORD.findall(s) if word.replace(".", "") not in LATIN_WORDS]
    assert found == []


def test_greek_quotes_and_final_sigma():
    quotes = [s for _, _, strings in entries() for s in strings
              if ASCII_QUOTED_GREEK.search(s) and not any(code in s for code in CODE_SAMPLES)]
    sigma = [s for _, _, strings in entries() for s in strings
             if re.search(rf"[{GREEK}]σ(?![{GREEK}])", s) or re.search(rf"ς(?=[{GREEK}])", s)]
    assert quotes == [] and sigma == []


@pytest.mark.parametrize("wrong", sorted(TERMS))
def test_one_term_per_concept(wrong):
    found = [s for _, _, strings in entries() for s in strings if wrong in s]
    assert found == [], f"write {TERMS[wrong]}"


@pytest.mark.parametrize("bad", ["Κατηγορία IIa", "ΑΦΜ με λατινικό Α: AΦΜ", "Βαθμός BE", "ένας \"τίτλος\" εδώ",
                                 "λάθοσ τελικό", "Εγγεγραμμένος"])
def test_the_checks_catch_what_they_look_for(bad):
    """Each check fails on a string with its fault (guards against a pattern that matches nothing)."""
    caught = (bool(MIXED.search(MANUAL_MIXED.sub("", bad)))
              or any(w not in LATIN_WORDS for w in LOOKALIKE_WORD.findall(bad))
              or bool(ASCII_QUOTED_GREEK.search(bad))
              or bool(re.search(rf"[{GREEK}]σ(?![{GREEK}])", bad))
              or any(wrong in bad for wrong in TERMS))
    assert caught
