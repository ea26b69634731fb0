"""Deterministic demo data (Faker el_GR, fixed seed). Bulk inserts, so that 10,000
centres and 100,000 evaluators load in seconds for benchmarks."""
from __future__ import annotations

import random
import time

from faker import Faker
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from app import audit
from app.demo.evaluators import CANDIDATE_AFM_NUMBER, insert_demo_candidate, insert_evaluators
from app.rules.identifiers import make_afm
from app.rules.search import fold

DEMO_ACCOUNTS = [
    # username, role, first name, last name
    ("admin", "Admin", "Διαχειριστής", "Συστήματος"),
    ("helpdesk", "HelpDesk", "Υπηρεσία", "Υποστήριξης"),
    ("manager1", "CentreManager", "Γεώργιος", "Παπαδόπουλος"),
    ("manager2", "CentreManager", "Μαρία", "Κωνσταντίνου"),
    ("committee", "Committee", "Ελένη", "Γεωργίου"),
    ("evaluator1", "Evaluator", "Νικόλαος", "Αθανασίου"),
    ("evaluator2", "Evaluator", "Αικατερίνη", "Δημητρίου"),
    ("grader", "Grader", "Ιωάννης", "Νικολάου"),
    ("assessor", "Grader", "Σοφία", "Ιωαννίδου"),  # independent assessor of the demo cycles (E-10)
    ("candidate", "Evaluator", "Σοφία", "Παπαδημητρίου"),  # a draft application (form I.2)
]


class DemoAlreadyLoaded(Exception):
    pass


def _pool(fake: Faker, method: str, size: int) -> list[str]:
    return [getattr(fake, method)() for _ in range(size)]


def load_demo(appbuilder, centres: int = 12, evaluators: int = 40, seed: int = 2026) -> str:
    from models.centres import Centre
    from models.evaluators import Evaluator
    from models.reference import Prefecture, Region

    session = appbuilder.session
    if session.scalar(select(func.count()).select_from(Centre)):
        raise DemoAlreadyLoaded()
    started = time.perf_counter()
    centres = max(centres, 2)
    evaluators = max(evaluators, 2)
    rng = random.Random(seed)
    fake = Faker("el_GR")
    fake.seed_instance(seed)
    surnames = _pool(fake, "last_name_male", 300)
    first_names = _pool(fake, "first_name_male", 150)
    streets = _pool(fake, "street_address", 400)
    companies = _pool(fake, "last_name", 300)

    prefectures = session.execute(select(Prefecture.id, Prefecture.code).order_by(Prefecture.code)).all()
    regions = [rid for (rid,) in session.execute(select(Region.id).order_by(Region.code))]
    if not prefectures:
        raise RuntimeError("reference data missing: run `flask refdata load` first")

    centre_rows = []
    for i in range(1, centres + 1):
        pref_id, _code = prefectures[(i - 1) % len(prefectures)] if i <= 2 else rng.choice(prefectures)
        centre_rows.append({
            "code": f"KSE{i:05d}",
            "name": (name := f"ΚΣΕ {rng.choice(companies)} {i}"),
            "name_folded": fold(name),  # bulk inserts skip the ORM event that folds it
            "legal_representative": f"{rng.choice(first_names)} {rng.choice(surnames)}",
            "prefecture_id": pref_id,
            "address": rng.choice(streets),
            "email": f"kse{i:05d}@example.gr",
            "phone": f"210{rng.randrange(10**6, 10**7)}",
        })
    session.execute(insert(Centre), centre_rows)

    insert_evaluators(session, rng, evaluators, regions, first_names, surnames)
    centre_ids = dict(session.execute(select(Centre.code, Centre.id)).all())
    evaluator_ids = dict(session.execute(select(Evaluator.registry_no, Evaluator.id)
                                         .where(Evaluator.registry_no.is_not(None))).all())
    # The draft candidate is no registry member: kept out of the evaluation demo's ids.
    users = _demo_users(appbuilder, centre_ids, {**evaluator_ids, "candidate": insert_demo_candidate(session)})

    context = {"centre_ids": centre_ids, "evaluator_ids": evaluator_ids, "users": users, "fake": fake}
    # Each area's loader, in dependency order: the centres area makes the training
    # periods the calls then refer to. Only the CLI and the tests import this package
    # (Faker included); web workers never do.
    from app.demo.calls import load_demo_calls
    from app.demo.centres import load_centres_demo
    from app.demo.committee import load_committee_demo
    from app.demo.evaluation import load_evaluation_demo

    extra = [loader(session, rng, context) for loader in (load_centres_demo, load_demo_calls, load_evaluation_demo,
                                                    load_committee_demo)]
    from app.search import backfill

    backfill(session)  # rows bulk-inserted without their folded name (the demo folds its own; a safety net)
    audit.record_action(session, "demo_load", table="-", details={"centres": centres, "evaluators": evaluators, "seed": seed})
    session.commit()
    took = time.perf_counter() - started
    return "; ".join([f"demo data: {centres} centres, {evaluators} evaluators in {took:.1f}s"] + [e for e in extra if e])


def _demo_users(appbuilder, centre_ids, evaluator_ids) -> dict:
    from flask import current_app

    sm = appbuilder.sm
    password = current_app.config["DEMO_PASSWORD"]
    links = {
        "manager1": {"centre_id": centre_ids["KSE00001"], "afm": make_afm(90000001), "teacher_registry_no": "600001"},
        "manager2": {"centre_id": centre_ids["KSE00002"], "afm": make_afm(90000002), "teacher_registry_no": "600002"},
        "evaluator1": {"evaluator_id": evaluator_ids["EMA000001"], "afm": make_afm(10_000_001)},
        "evaluator2": {"evaluator_id": evaluator_ids["EMA000002"], "afm": make_afm(10_000_002)},
        "candidate": {"evaluator_id": evaluator_ids["candidate"], "afm": make_afm(CANDIDATE_AFM_NUMBER)},
    }
    users = {}
    for username, role_name, first, last in DEMO_ACCOUNTS:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        user = sm.find_user(username=username)
        if user is None:
            # Built here rather than with sm.add_user, which commits on its own: the whole
            # demo load is one transaction.
            user = sm.user_model(username=username, first_name=first, last_name=last,
                                 email=f"{username}@example.gr", active=True, roles=[role],
                                 password=generate_password_hash(password))
            appbuilder.session.add(user)
        for key, value in links.get(username, {}).items():
            setattr(user, key, value)
        users[username] = user
    appbuilder.session.flush()
    return users
