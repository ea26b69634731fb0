"""Expression of interest (Εκδήλωση ενδιαφέροντος), rules K-4…K-7. Pure: no Flask, no
database; the service (app.calls) and the views call these and translate the messages
(English msgids marked with `_l`, %(name)s parameters).
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def _l(message: str) -> str:  # marks a msgid for pybabel; translated by the caller
    return message


class Phase(enum.Enum):
    upcoming = "upcoming"  # before opens_at: nothing can be submitted
    open = "open"  # opens_at <= now < closes_at: applications are accepted
    closed = "closed"  # closes_at <= now: read-only; the lottery may run


def phase(opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> Phase:
    if now < opens_at:
        return Phase.upcoming
    if now < closes_at:
        return Phase.open
    return Phase.closed


@dataclass(frozen=True)
class Problem:
    message: str
    params: dict[str, object] = field(default_factory=dict)


RANK_PREFIX = "rank_"


def parse_ranking(form: Mapping[str, str], cluster_ids: Iterable[int]) -> tuple[list[int], list[Problem]]:
    """The ranked cluster ids (most preferred first) from `rank_<cluster id>` fields (K-5).

    A blank rank leaves the cluster on the "available" side. Ranks must be distinct whole
    numbers >= 1; gaps are allowed (only the order matters). A field for a cluster that
    does not exist is a forged form and refused.
    """
    known = set(cluster_ids)
    ranked: list[tuple[int, int]] = []
    problems: list[Problem] = []
    seen_ranks: dict[int, int] = {}
    for key, value in form.items():
        if not key.startswith(RANK_PREFIX):
            continue
        raw_id = key[len(RANK_PREFIX):]
        if not raw_id.isdigit() or int(raw_id) not in known:
            problems.append(Problem(_l("Unknown cluster in the form.")))
            continue
        value = (value or "").strip()
        if not value:
            continue
        if not value.isdigit() or int(value) < 1:
            problems.append(Problem(_l("The preference '%(value)s' is not a whole number from 1 up."), {"value": value[:10]}))
            continue
        rank = int(value)
        if rank in seen_ranks:
            problems.append(Problem(_l("Two clusters have the same preference %(rank)s."), {"rank": rank}))
            continue
        seen_ranks[rank] = int(raw_id)
        ranked.append((rank, int(raw_id)))
    return [cluster_id for _rank, cluster_id in sorted(ranked)], problems


def check_save(accepted: list[bool], phase_now: Phase, is_final: bool) -> list[Problem]:
    """'Save choices' (Καταχώριση επιλογών), K-5/K-7: only while the call is open, only a
    draft, and only with every declaration accepted ('Συμφωνώ')."""
    problems = _check_writable(phase_now, is_final)
    if not all(accepted):
        problems.append(Problem(_l("Accept every declaration ('I agree') before saving the choices.")))
    return problems


def check_final(ranked: list[int], required: int, accepted: bool, phase_now: Phase, is_final: bool,
                saved: bool) -> list[Problem]:
    """Final submission (Οριστική υποβολή), K-6/K-7."""
    problems = _check_writable(phase_now, is_final)
    if problems:
        return problems
    if not saved:
        problems.append(Problem(_l("Save the choices before the final submission.")))
        return problems
    if not accepted:
        problems.append(Problem(_l("Accept every declaration ('I agree') before saving the choices.")))
    if len(ranked) < required:  # K-6
        problems.append(Problem(
            _l("The final submission needs all %(required)s clusters in order of preference; you have ranked %(count)s."),
            {"required": required, "count": len(ranked)}))
    return problems


def _check_writable(phase_now: Phase, is_final: bool) -> list[Problem]:
    if is_final:  # K-7: a final application cannot be edited
        return [Problem(_l("The application has been submitted finally and cannot be changed."))]
    if phase_now is Phase.upcoming:
        return [Problem(_l("The call has not opened yet."))]
    if phase_now is Phase.closed:
        return [Problem(_l("The call has closed: applications can no longer be changed or submitted."))]
    return []


# Call settings the applicants rely on: fixed once the call opens (the lottery's inputs
# must not move under them); `closes_at` may still be extended and `title` corrected.
FROZEN_AFTER_OPENING = ("opens_at", "required_clusters", "max_programmes_per_centre", "declarations",
                        "training_period_id")


def check_call_edit(changed: set[str], phase_before: Phase, lottery_ran: bool, *, clusters_total: int,
                    required_clusters: int, closes_at: dt.datetime, now: dt.datetime) -> list[Problem]:
    """Whether an edit of a call is allowed (K-4, lottery.md: nothing steers the result)."""
    problems = []
    if lottery_ran and changed:
        return [Problem(_l("The lottery of this call has run: the call can no longer be changed."))]
    if phase_before is not Phase.upcoming:
        frozen = sorted(set(FROZEN_AFTER_OPENING) & changed)
        if frozen:
            problems.append(Problem(_l("The call is open: %(fields)s can no longer be changed."),
                                    {"fields": ", ".join(frozen)}))
        if "closes_at" in changed and closes_at <= now and phase_before is Phase.open:
            problems.append(Problem(_l("An open call can only be extended, not closed earlier than now.")))
    if not 1 <= required_clusters <= clusters_total:
        problems.append(Problem(_l("The required clusters must be between 1 and %(total)s."), {"total": clusters_total}))
    return problems
