"""Annex A of a call (K-4): the programmes of each cluster per prefecture (category ΙΙa)
or per region (category ΙΙb), imported from CSV.

Pure: no Flask, no database. `parse` reads the whole file and returns either the cells
or every problem found, each with its line number, so that the caller imports all or
nothing. Messages are English msgids (marked with `_l` for pybabel) with %(name)s
parameters; the view translates them.

File format (UTF-8, a BOM and Greek Windows-1253 also accepted; comma or semicolon):

    cluster,category,area,programmes
    Β2.1,IIa,52,3          # cluster Β2.1, prefecture code 52, 3 programmes
    Β2.1,IIb,1,1           # cluster Β2.1, region code 1, 1 programme

Other columns (e.g. the names our own export adds) are ignored, so an exported file
imports back unchanged. Tolerated spellings: a Latin `B` for the Greek `Β` in cluster
codes, Greek `ΙΙa`/`ΙΙα` for `IIa`, a prefecture code without its leading zero (`1` for
`01`, as spreadsheets write it).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field

CATEGORIES = ("IIa", "IIb")
COLUMNS = ("cluster", "category", "area", "programmes")
MAX_ROWS = 20_000


def _l(message: str) -> str:  # marks a msgid for pybabel; translated by the caller
    return message


@dataclass(frozen=True)
class Cell:
    cluster: str  # cluster code, e.g. "Β2.1"
    category: str  # "IIa" or "IIb"
    area: str  # prefecture code (IIa) or region code (IIb)
    programmes: int
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    message: str  # English msgid with %(…)s parameters
    params: dict[str, object] = field(default_factory=dict)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1253 as Greek Excel saves CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1253", errors="replace")


def normalise_cluster(code: str) -> str:
    code = code.strip()
    if code[:1] in ("B", "b", "β"):
        code = "Β" + code[1:]  # Greek capital beta, as in the reference data
    return code


def normalise_category(value: str) -> str | None:
    text = value.strip().replace("Ι", "I").replace("ι", "i").replace("α", "a").replace("β", "b")
    text = text.replace("Α", "a").replace("Β", "b")
    lowered = text.lower()
    if lowered == "iia":
        return "IIa"
    if lowered == "iib":
        return "IIb"
    return None


def parse(data: bytes | str, *, clusters: set[str], prefectures: set[str], regions: set[str]) -> tuple[list[Cell], list[Problem]]:
    """Cells of the file, or the problems that refuse it (K-4). Nothing is partial: with
    any problem the caller must import nothing."""
    text = decode(data) if isinstance(data, bytes) else data
    problems: list[Problem] = []
    if not text.strip():
        return [], [Problem(0, _l("The file is empty."))]
    first_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        return [], [Problem(1, _l("The file is not valid CSV: %(error)s"), {"error": str(exc)})]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [Problem(1, _l("The header must contain the columns %(columns)s; missing: %(missing)s."),
                            {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)})]
    index = {c: header.index(c) for c in COLUMNS}
    cells: list[Cell] = []
    seen: dict[tuple[str, str, str], int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(value.strip() for value in row):
                continue
            if len(cells) + len(problems) >= MAX_ROWS:
                problems.append(Problem(line, _l("Too many rows: at most %(max)s."), {"max": MAX_ROWS}))
                break
            cell, row_problems = _row(row, index, line, clusters, prefectures, regions)
            problems.extend(row_problems)
            if cell is None:
                continue
            key = (cell.cluster, cell.category, cell.area)
            if key in seen:
                problems.append(Problem(line, _l("Duplicate row: %(cluster)s %(category)s %(area)s is already on line %(first)s."),
                                        {"cluster": cell.cluster, "category": cell.category, "area": cell.area,
                                         "first": seen[key]}))
                continue
            seen[key] = line
            cells.append(cell)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, _l("The file is not valid CSV: %(error)s"), {"error": str(exc)}))
    if not cells and not problems:
        problems.append(Problem(0, _l("The file has no data rows.")))
    return (cells if not problems else []), problems


def _row(row: list[str], index: dict[str, int], line: int, clusters: Collection[str], prefectures: Collection[str],
         regions: Collection[str]) -> tuple[Cell | None, list[Problem]]:
    if len(row) <= max(index.values()):
        return None, [Problem(line, _l("The row has %(found)s columns; %(needed)s are needed."),
                              {"found": len(row), "needed": max(index.values()) + 1})]
    problems = []
    raw_cluster = row[index["cluster"]].strip()
    cluster = normalise_cluster(raw_cluster) if raw_cluster else ""
    if cluster not in clusters:
        problems.append(Problem(line, _l("Unknown cluster '%(value)s'."), {"value": raw_cluster}))
    raw_category = row[index["category"]].strip()
    category = normalise_category(raw_category)
    if category is None:
        problems.append(Problem(line, _l("Unknown category '%(value)s': it must be IIa (prefecture) or IIb (region)."),
                                {"value": raw_category}))
    area = row[index["area"]].strip()
    if category == "IIa":
        if area not in prefectures and area.isdigit() and area.zfill(2) in prefectures:
            area = area.zfill(2)
        if area not in prefectures:
            if area in regions:
                problems.append(Problem(line, _l("Category IIa needs a prefecture code, but '%(value)s' is a region code."),
                                        {"value": area}))
            else:
                problems.append(Problem(line, _l("Unknown prefecture '%(value)s'."), {"value": area}))
    elif category == "IIb" and area not in regions:
        if area in prefectures:
            problems.append(Problem(line, _l("Category IIb needs a region code, but '%(value)s' is a prefecture code."),
                                    {"value": area}))
        else:
            problems.append(Problem(line, _l("Unknown region '%(value)s'."), {"value": area}))
    raw_count = row[index["programmes"]].strip()
    count = None
    try:
        count = int(raw_count)
    except ValueError:
        problems.append(Problem(line, _l("The number of programmes '%(value)s' is not a whole number."),
                                {"value": raw_count}))
    else:
        if count < 0:
            problems.append(Problem(line, _l("The number of programmes cannot be negative (%(value)s)."),
                                    {"value": count}))
    if problems or category is None or count is None:
        return None, problems
    return Cell(cluster, category, area, count, line), []

