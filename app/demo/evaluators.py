"""Demo data of the evaluator registry (E-…): evaluators' registry files with real rows
(degrees, postgraduate degrees, training, languages, experience, preferences) inserted in
bulk, their ΒΕ computed by the E-7 recomputation (never random), and one candidate still in
draft (the evaluation area's demo is app.demo.evaluation)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from app.rules.identifiers import make_afm
from app.rules.search import fold

# The demo candidate's Α.Φ.Μ. number (109999994, used by tests); generated evaluators skip it, even at 1,000,000.
CANDIDATE_AFM_NUMBER = 10_999_999
BATCH = 10_000
DEGREE_TITLES = ("Οικονομικών Επιστημών", "Πληροφορικής", "Κοινωνιολογίας", "Ψυχολογίας", "Μηχανολόγων Μηχανικών",
                 "Παιδαγωγικό", "Διοίκησης Επιχειρήσεων", "Γεωπονίας", "Τουριστικών Επιχειρήσεων")
INSTITUTIONS = ("Πανεπιστήμιο Αθηνών", "Αριστοτέλειο Πανεπιστήμιο Θεσσαλονίκης", "Πανεπιστήμιο Πατρών",
                "Πανεπιστήμιο Κρήτης", "Οικονομικό Πανεπιστήμιο Αθηνών", "ΤΕΙ Πειραιά", "Πανεπιστήμιο Ιωαννίνων")
EMPLOYERS = ("ΟΑΕΔ", "Περιφέρεια Αττικής", "Δήμος Θεσσαλονίκης", "ΕΥΔ ΕΠ Ανθρώπινου Δυναμικού", "Σύμβουλοι Α.Ε.",
             "Ινστιτούτο Εργασίας", "ΚΕΠΑ")


def _month(year: int, month: int) -> dt.date:
    year += (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def _bulk(session, model, rows: list[dict]) -> None:
    """Insert plain rows through the driver's executemany: SQLAlchemy's column types still
    convert each value (enums, decimals), without building a statement per row; every
    column without a server default is in the rows."""
    if not rows:
        return
    table = model.__table__
    keys = list(rows[0])
    conn = session.connection()
    dialect = conn.dialect
    convert = [(key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in keys]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(keys)}) VALUES ({', '.join([mark] * len(keys))})")
    for start in range(0, len(rows), BATCH):
        values = [tuple(process(row[key]) if process and row[key] is not None else row[key]
                        for key, process in convert) for row in rows[start:start + BATCH]]
        conn.exec_driver_sql(sql, values)


def insert_evaluators(session, rng, count, regions, first_names, surnames) -> None:
    from app.clock import local_now
    from app.evaluators import recompute_entry_scores
    from app.rules.evaluators import protocol_number
    from models.evaluators import (DegreeKind, Evaluator, EvaluatorCofundedExperience, EvaluatorDegree,
                                   EvaluatorFieldPreference, EvaluatorGroupPreference, EvaluatorLanguage,
                                   EvaluatorPostgraduate, EvaluatorProfessionalExperience,
                                   EvaluatorRegionPreference, EvaluatorStatus, EvaluatorTraining, Gender,
                                   LanguageLevel, PerformanceLevel, PostgraduateLevel, ProtocolCounter,
                                   Verification)
    from models.reference import TargetGroup, ThematicField

    today = local_now().date()
    year = today.year
    fields = [fid for (fid,) in session.execute(select(ThematicField.id).order_by(ThematicField.code))]
    groups = [gid for (gid,) in session.execute(select(TargetGroup.id).order_by(TargetGroup.code))]
    statuses = [EvaluatorStatus.enrolled] * 8 + [EvaluatorStatus.submitted, EvaluatorStatus.inactive]
    evaluator_rows, plans = [], []
    for i in range(1, count + 1):
        status = statuses[i % len(statuses)] if i > 2 else EvaluatorStatus.enrolled
        submitted = dt.datetime(year, 1, 1) + dt.timedelta(minutes=i)
        evaluator_rows.append({
            "registry_no": f"EMA{i:06d}" if status is not EvaluatorStatus.submitted else None,
            "protocol_no": protocol_number(year, i),
            "submitted_at": submitted,
            "enrolled_at": submitted + dt.timedelta(days=30) if status is not EvaluatorStatus.submitted else None,
            "first_name": rng.choice(first_names),
            "last_name": (last_name := rng.choice(surnames)),
            "last_name_folded": fold(last_name),  # bulk inserts skip the ORM event that folds it
            "father_name": rng.choice(first_names),
            "afm": make_afm(10_000_000 + i + (i >= CANDIDATE_AFM_NUMBER - 10_000_000)),  # the candidate's stays free
            "email": f"eval{i:06d}@example.gr",
            "phone": f"210{1_000_000 + i:07d}",
            "region_id": rng.choice(regions),
            "gender": Gender.male if i % 2 else Gender.female,
            "profession": rng.choice(DEGREE_TITLES),
            "has_current_centre_relation": False,
            "has_past_centre_relation": False,
            "consent_at": submitted,
            "declarations_at": submitted,
            "status": status,
            "level": PerformanceLevel.A,
            "inactive_since": today if status is EvaluatorStatus.inactive else None,
            "inactive_reason": "Μέλος του μητρώου εκπαιδευτών ΕΚΕΠΙΣ (E-2)" if status is EvaluatorStatus.inactive
            else None,
            "is_ekepis_trainer": status is EvaluatorStatus.inactive,
            "interview_score": Decimal(rng.randrange(5000, 10001)) / 100 if status is not EvaluatorStatus.submitted
            else None,
        })
        plans.append(status)
    _bulk(session, Evaluator, evaluator_rows)
    ids = [eid for (eid,) in session.execute(select(Evaluator.id).where(Evaluator.afm.in_(
        [evaluator_rows[0]["afm"], evaluator_rows[-1]["afm"]])).order_by(Evaluator.id))]
    first_id = ids[0]  # the rows were inserted in order, in one transaction
    rows: dict = {m: [] for m in (EvaluatorDegree, EvaluatorPostgraduate, EvaluatorTraining, EvaluatorLanguage,
                                  EvaluatorCofundedExperience, EvaluatorProfessionalExperience,
                                  EvaluatorFieldPreference, EvaluatorGroupPreference, EvaluatorRegionPreference)}
    for n, status in enumerate(plans):
        eid = first_id + n
        verification = Verification.pending if status is EvaluatorStatus.submitted else Verification.confirmed
        graduated = 1975 + rng.randrange(0, 40)
        field = rng.choice(fields)
        for extra in range(2 if rng.random() < 0.2 else 1):
            rows[EvaluatorDegree].append({
                "evaluator_id": eid, "institution": rng.choice(INSTITUTIONS), "country": "Ελλάδα",
                "kind": DegreeKind.tei if extra else DegreeKind.aei, "title": rng.choice(DEGREE_TITLES),
                "awarded_on": dt.date(graduated + 4 * extra, 7, 1), "recognised": False,
                "thematic_field_id": field, "verification": verification})
        roll = rng.random()
        if roll < 0.45:
            rows[EvaluatorPostgraduate].append({
                "evaluator_id": eid, "institution": rng.choice(INSTITUTIONS), "country": "Ελλάδα",
                "level": PostgraduateLevel.phd if roll < 0.1 else PostgraduateLevel.master,
                "title": f"Μεταπτυχιακό {rng.choice(DEGREE_TITLES)}", "awarded_on": dt.date(graduated + 3, 10, 1),
                "thematic_field_id": field, "verification": verification})
        if rng.random() < 0.2:
            rows[EvaluatorTraining].append({
                "evaluator_id": eid, "provider": rng.choice(EMPLOYERS), "country": "Ελλάδα",
                "title": "Πρόγραμμα μεταπτυχιακής επιμόρφωσης", "completed_on": dt.date(graduated + 5, 6, 1),
                "hours": rng.choice((300, 350, 400, 600)), "verification": verification})
        rows[EvaluatorLanguage].append({
            "evaluator_id": eid, "language": "Αγγλικά",
            "level": LanguageLevel.excellent if rng.random() < 0.6 else LanguageLevel.good,
            "certificate": "Certificate of Proficiency in English", "proficiency": rng.random() < 0.7,
            "verification": verification})
        months = rng.randrange(6, 49)
        start = _month(year - 5, today.month + rng.randrange(1, 13))  # within the last five years
        rows[EvaluatorCofundedExperience].append({
            "evaluator_id": eid, "employer": rng.choice(EMPLOYERS), "role": "Στέλεχος διαχείρισης",
            "start_month": start, "end_month": _month(start.year, start.month + months - 1),
            "person_months": Decimal(months), "thematic_field_id": field, "verification": verification})
        months = rng.randrange(12, 121)
        start = _month(year - 12, rng.randrange(1, 13))
        rows[EvaluatorProfessionalExperience].append({
            "evaluator_id": eid, "employer": rng.choice(EMPLOYERS), "role": "Σύμβουλος",
            "start_month": start, "end_month": _month(start.year, start.month + months - 1),
            "person_months": Decimal(months), "thematic_field_id": field, "verification": verification})
        for model, column, pool in ((EvaluatorFieldPreference, "thematic_field_id", fields),
                                    (EvaluatorGroupPreference, "target_group_id", groups),
                                    (EvaluatorRegionPreference, "region_id", regions)):
            for priority, choice in enumerate(rng.sample(pool, 2), 1):
                rows[model].append({"evaluator_id": eid, column: choice, "priority": priority})
    for model, model_rows in rows.items():
        _bulk(session, model, model_rows)
    session.add(ProtocolCounter(year=year, last_value=count))
    recompute_entry_scores(session)


def insert_demo_candidate(session) -> int:
    """One candidate still filling in form I.2 (the `candidate` demo account)."""
    from models.evaluators import Evaluator, EvaluatorStatus

    evaluator = Evaluator(first_name="Σοφία", last_name="Παπαδημητρίου", afm=make_afm(CANDIDATE_AFM_NUMBER),
                          email="candidate@example.gr", status=EvaluatorStatus.draft)
    session.add(evaluator)
    session.flush()
    return evaluator.id
