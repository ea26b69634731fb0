"""Annex A import rules (K-4): the whole file or nothing, every problem with its line."""
from __future__ import annotations

import pytest

from app.rules.annex_a import Cell, parse

CLUSTERS = {f"Β2.{i}" for i in range(1, 14)}
PREFECTURES = {"01", "11", "52", "71", "91"}
REGIONS = {str(i) for i in range(1, 14)}


def run(text: str | bytes):
    return parse(text, clusters=CLUSTERS, prefectures=PREFECTURES, regions=REGIONS)


def test_valid_file_with_tolerated_spellings():
    """Comma or semicolon, BOM, Latin B, Greek ΙΙa/ΙΙβ, a spreadsheet's lost leading zero,
    extra columns (our export's names) and blank lines."""
    text = ("\ufeffcluster;category;area;programmes;cluster_name\n"
            "Β2.1;IIa;52;3;Φιλόλογοι\n"
            "\n"
            "B2.2;ΙΙa;1;0;x\n"       # Latin B, Greek iotas, prefecture 01 written as 1
            "Β2.13;ΙΙβ;13;2;y\n")
    cells, problems = run(text.encode("utf-8"))
    assert problems == []
    assert cells == [Cell("Β2.1", "IIa", "52", 3), Cell("Β2.2", "IIa", "01", 0), Cell("Β2.13", "IIb", "13", 2)]
    assert [c.line for c in cells] == [2, 4, 5]


def test_greek_windows_encoding_is_read():
    cells, problems = run("cluster,category,area,programmes\nΒ2.1,IIa,52,1\n".encode("cp1253"))
    assert problems == [] and cells[0].cluster == "Β2.1"


@pytest.mark.parametrize("row, message", [
    ("Β2.99,IIa,52,1", "Unknown cluster"),
    ("Β2.1,IIa,99,1", "Unknown prefecture"),
    ("Β2.1,IIb,77,1", "Unknown region"),
    ("Β2.1,IIa,52,-1", "cannot be negative"),
    ("Β2.1,IIa,52,2.5", "not a whole number"),
    ("Β2.1,IIa,10,1", "Category IIa needs a prefecture code"),  # 10 is a region only
    ("Β2.1,IIb,52,1", "Category IIb needs a region code"),      # 52 is a prefecture only
    ("Β2.1,IIc,52,1", "Unknown category"),
    ("Β2.1,IIa", "columns"),
])
def test_each_bad_row_refuses_the_whole_file_with_its_line(row, message):
    cells, problems = run(f"cluster,category,area,programmes\nΒ2.2,IIa,52,1\n{row}\nΒ2.3,IIb,1,1\n")
    assert cells == []  # nothing, not even the good rows
    assert [p.line for p in problems] == [3]
    assert message in problems[0].message


def test_duplicate_row_names_the_first_line():
    cells, problems = run("cluster,category,area,programmes\nΒ2.1,IIa,52,1\nΒ2.2,IIa,52,1\nB2.1,IIa,52,4\n")
    assert cells == [] and len(problems) == 1
    assert problems[0].line == 4 and problems[0].params["first"] == 2


def test_overlapping_codes_follow_the_category():
    """11 is both a prefecture (Argolida) and a region: the category decides."""
    cells, problems = run("cluster,category,area,programmes\nΒ2.1,IIa,11,1\nΒ2.1,IIb,11,1\n")
    assert problems == [] and [(c.category, c.area) for c in cells] == [("IIa", "11"), ("IIb", "11")]


def test_every_problem_is_reported_not_only_the_first():
    cells, problems = run("cluster,category,area,programmes\nX,IIa,52,1\nΒ2.1,IIz,52,-3\n")
    assert cells == [] and [p.line for p in problems] == [2, 3, 3]


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("cluster,category,programmes\nΒ2.1,IIa,1\n", "missing: area"),
    ("cluster,category,area,programmes\n", "no data rows"),
])
def test_file_level_problems(text, message):
    cells, problems = run(text)
    assert cells == [] and message in problems[0].message % problems[0].params
