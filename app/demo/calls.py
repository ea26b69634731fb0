"""Demo data of the calls area: B2-DEMO-OPEN and B2-DEMO-CLOSED with Annex A and, for
the closed call, a final application from every demo centre (K-4…K-9)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.calls import cluster_rows, reveal_secret, set_secret
from app.clock import local_now, local_to_utc
from app.rules import lottery
from models.calls import AnnexACell, Application, ApplicationChoice, ApplicationStatus, Call, TrainingPeriod
from models.centres import Centre
from models.reference import Prefecture, Region

DEMO_DECLARATIONS = (
    "Το ΚΣΕ πληροί εξ ολοκλήρου τις απαιτούμενες τεχνικές προδιαγραφές υποδομών (Παράρτημα Γ της Πρόσκλησης).\n"
    "Έλαβα υπόψη τον Πίνακα Γεωγραφικής Κατανομής Προγραμμάτων Επιμόρφωσης (Παράρτημα Α της Πρόσκλησης) "
    "και η σειρά προτίμησης των συστάδων δηλώνεται με ευθύνη του ΚΣΕ.\n"
    "Τα στοιχεία της αίτησης είναι αληθή και το ΚΣΕ αποδέχεται τους όρους της Πρόσκλησης."
)


def load_demo_calls(session, rng, context) -> str:
    """Two calls with Annex A: B2-DEMO-OPEN (open, empty) and B2-DEMO-CLOSED (closed two
    days ago, a final application from every demo centre, lottery not yet run). Bulk
    inserts; tickets computed exactly as at a final submission. Demo secrets come from
    the demo seed (so a demo is reproducible); real calls draw theirs from `secrets`."""
    from sqlalchemy import insert

    # The centres area's demo may already have made the periods: take the latest one.
    period = session.scalar(select(TrainingPeriod).order_by(TrainingPeriod.starts_on.desc(), TrainingPeriod.id.desc()))
    if period is None:
        start = local_now().date() + dt.timedelta(days=60)
        period = TrainingPeriod(code="B2-DEMO", name="Περίοδος επιμόρφωσης Β2 (επίδειξη)",
                                starts_on=start, ends_on=start + dt.timedelta(days=180))
        session.add(period)
        session.flush()
    clusters = [(c.id, c.code) for c in cluster_rows(session)]
    pref_rows = session.execute(select(Prefecture.id, Prefecture.code, Region.id, Region.code).join(Region)).all()
    region_of = {pid: (rid, rcode) for pid, _pc, rid, rcode in pref_rows}
    centres = session.execute(select(Centre.id, Centre.code, Centre.prefecture_id).order_by(Centre.code)).all()
    today = local_now().replace(hour=9, minute=0, second=0)
    calls = {}
    for code, title, opens, closes in (
        ("B2-DEMO-OPEN", "Πρόσκληση εκδήλωσης ενδιαφέροντος ΚΣΕ για προγράμματα Β2 (ανοικτή, επίδειξη)",
         today - dt.timedelta(days=7), today + dt.timedelta(days=30, hours=6)),
        ("B2-DEMO-CLOSED", "Πρόσκληση εκδήλωσης ενδιαφέροντος ΚΣΕ για προγράμματα Β2 (έληξε, επίδειξη)",
         today - dt.timedelta(days=45), today - dt.timedelta(days=2, hours=-6)),
    ):
        call = Call(code=code, title=title, training_period_id=period.id, opens_at=opens, closes_at=closes,
                    required_clusters=len(clusters), max_programmes_per_centre=2, declarations=DEMO_DECLARATIONS)
        set_secret(call, f"{rng.getrandbits(256):064x}")
        session.add(call)
        calls[code] = call
    session.flush()

    # Annex A. Open call: every area. Closed call: scaled to the centres, fewer
    # programmes than centres, so that some are selected and some are not.
    per_pref: dict[int, int] = {}
    for _cid, _code, pid in centres:
        per_pref[pid] = per_pref.get(pid, 0) + 1
    per_region: dict[int, int] = {}
    for pid, n in per_pref.items():
        per_region[region_of[pid][0]] = per_region.get(region_of[pid][0], 0) + n
    regions = sorted({(rid, rcode) for rid, rcode in region_of.values()})
    cells = []

    def spread(call_id, budget, kind, area_id):
        if budget <= 0:
            return
        chosen = rng.sample(clusters, min(len(clusters), rng.randint(1, 5)))
        counts: dict[int, int] = {}
        for _ in range(budget):
            cid = rng.choice(chosen)[0]
            counts[cid] = counts.get(cid, 0) + 1
        for cid, n in counts.items():
            cells.append({"call_id": call_id, "cluster_id": cid, "category": kind, "programmes": n,
                          "prefecture_id": area_id if kind == "IIa" else None,
                          "region_id": area_id if kind == "IIb" else None})

    open_id, closed_id = calls["B2-DEMO-OPEN"].id, calls["B2-DEMO-CLOSED"].id
    for pid, _pc, _rid, _rc in pref_rows:
        spread(open_id, rng.randint(0, 6), "IIa", pid)
    for rid, _rc in regions:
        spread(open_id, rng.randint(0, 3), "IIb", rid)
    for pid, n in sorted(per_pref.items()):
        spread(closed_id, round(0.55 * n * rng.uniform(0.3, 1.7)), "IIa", pid)
    for rid, n in sorted(per_region.items()):
        spread(closed_id, round(0.15 * n * rng.uniform(0.0, 2.0)), "IIb", rid)
    for offset in range(0, len(cells), 5000):
        session.execute(insert(AnnexACell), cells[offset:offset + 5000])

    # Final applications of the closed call, one per centre.
    closed = calls["B2-DEMO-CLOSED"]
    secret = reveal_secret(closed)
    window = int((closed.closes_at - closed.opens_at).total_seconds())
    declarations = "\n".join(closed.declaration_list())
    apps, rankings = [], {}
    for cid, ccode, pid in centres:
        submitted = local_to_utc(closed.opens_at + dt.timedelta(seconds=rng.randrange(window)))
        ticket_hex, number = lottery.ticket(secret, closed.code, ccode)
        apps.append({"call_id": closed.id, "centre_id": cid, "status": ApplicationStatus.final, "version": 1,
                     "declarations_accepted": True, "saved_at": submitted - dt.timedelta(minutes=5),
                     "submitted_at": submitted, "prefecture_id": pid, "declarations_text": declarations,
                     "ticket": ticket_hex, "random_number": number})
        rankings[cid] = rng.sample([c for c, _code in clusters], len(clusters))
    for offset in range(0, len(apps), 5000):
        session.execute(insert(Application), apps[offset:offset + 5000])
    app_ids = dict(session.execute(select(Application.centre_id, Application.id)
                                   .where(Application.call_id == closed.id)).all())
    choices = [{"application_id": app_ids[cid], "position": i, "cluster_id": cluster_id}
               for cid, ranking in rankings.items() for i, cluster_id in enumerate(ranking, start=1)]
    for offset in range(0, len(choices), 10_000):
        session.execute(insert(ApplicationChoice), choices[offset:offset + 10_000])
    return (f"calls: B2-DEMO-OPEN, B2-DEMO-CLOSED ({len(apps)} final applications, "
            f"{sum(c['programmes'] for c in cells if c['call_id'] == closed_id)} programmes; "
            f"run `flask lottery run B2-DEMO-CLOSED`)")
