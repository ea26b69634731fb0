"""Demo data of the centres area (called by app.demo.load_demo): two training periods
(one whose staff window is open now), rooms and workstations for every centre, and
coordinators / technical managers for the first STAFFED_CENTRES centres. Bulk inserts:
10,000 centres load in a few seconds."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from app.rules.identifiers import make_afm

STAFFED_CENTRES = 300
CPUS = ["Intel Core i5-12400", "Intel Core i3-10100", "AMD Ryzen 5 5600G", "Intel Core i7-12700"]
SYSTEMS = ["Windows 11 Pro", "Windows 10 Pro", "Ubuntu 24.04 LTS"]
MONITORS = ['23,8" IPS', '21,5" LED', '27" IPS']
SPECIALTIES = ["ΠΕ86 Πληροφορικής", "ΠΕ03 Μαθηματικών", "ΠΕ04 Φυσικών", "ΠΕ02 Φιλολόγων", "ΠΕ70 Δασκάλων",
               "ΠΕ60 Νηπιαγωγών", "ΠΕ79 Μουσικής", "ΠΕ11 Φυσικής Αγωγής"]


def load_centres_demo(session, rng, context) -> str:
    from app.clock import local_now
    from models.centres import EvaluationResult, Room, RoomKind, StaffMember, StaffRole, TrainingPeriod, Workstation

    now = local_now().replace(second=0, microsecond=0)
    session.execute(insert(TrainingPeriod), [
        {"code": "2025-2026-B", "name": "2025-2026 Β", "starts_on": dt.date(2026, 2, 1),
         "ends_on": dt.date(2026, 6, 30), "staff_opens_at": now - dt.timedelta(days=400),
         "staff_closes_at": now - dt.timedelta(days=370), "minutes_deadline": now - dt.timedelta(days=360)},
        {"code": "2026-2027-A", "name": "2026-2027 Α", "starts_on": (now + dt.timedelta(days=90)).date(),
         "ends_on": (now + dt.timedelta(days=270)).date(), "staff_opens_at": now - dt.timedelta(days=7),
         "staff_closes_at": now + dt.timedelta(days=60), "minutes_deadline": now + dt.timedelta(days=75)},
    ])

    centre_ids = sorted(context["centre_ids"].values())
    rooms = []
    for centre_id in centre_ids:
        for n in range(1, rng.randint(1, 3) + 1):
            result = EvaluationResult.positive if n == 1 else rng.choice(list(EvaluationResult))
            rooms.append({
                "centre_id": centre_id, "code": f"Ε{n}", "name": f"Εργαστήριο Πληροφορικής {n}",
                "kind": (RoomKind.lab if n < 3 else RoomKind.room).name, "capacity": rng.choice([12, 15, 18, 20, 24]),
                "certified": result is EvaluationResult.positive, "evaluation_result": result.name,
                "evaluated_on": (now - dt.timedelta(days=rng.randint(30, 700))).date()
                if result is not EvaluationResult.pending else None,
            })
    session.execute(insert(Room), rooms)

    # A lab's workstations usually share one configuration: one spec per room.
    specs = [{"cpu": cpu, "ram_gb": ram, "disk_gb": disk, "operating_system": system, "monitor": monitor,
              "network": "1 Gbit/s Ethernet"}
             for cpu in CPUS for ram in (8, 16, 32) for disk in (256, 512, 1000) for system in SYSTEMS
             for monitor in MONITORS]
    workstations = []
    random = rng.random
    for room_id, certified_room in session.execute(select(Room.id, Room.certified).order_by(Room.id)):
        spec = rng.choice(specs)
        for n in range(1, rng.randint(6, 14) + 1):
            # K-1: a few stations of a certified room fail the specs; none of an uncertified room passes.
            workstations.append({"room_id": room_id, "inventory_code": f"ΣΕ-{room_id:05d}-{n:02d}",
                                 "certified": certified_room and random() > 0.15, **spec})
    for start in range(0, len(workstations), 20_000):
        session.execute(insert(Workstation), workstations[start:start + 20_000])

    fake = context["fake"]
    staff = []
    number = 70_000_000
    for centre_id in centre_ids[:STAFFED_CENTRES]:
        for role, count in ((StaffRole.coordinator, rng.randint(2, 4)), (StaffRole.technical_manager, rng.randint(1, 3))):
            for _ in range(count):
                number += 1
                male = rng.random() < 0.5
                staff.append({
                    "centre_id": centre_id, "role": role.name,
                    "last_name": fake.last_name_male() if male else fake.last_name_female(),
                    "first_name": fake.first_name_male() if male else fake.first_name_female(),
                    "father_name": fake.first_name_male(), "afm": make_afm(number),
                    "teacher_registry_no": f"{number % 900_000 + 100_000:06d}",
                    "specialty": rng.choice(SPECIALTIES), "email": f"staff{number}@example.gr",
                })
    session.execute(insert(StaffMember), staff)
    return (f"centres: 2 training periods, {len(rooms)} rooms, {len(workstations)} workstations, "
            f"{len(staff)} staff members")
