"""CLI: `flask refdata load`, `flask roles sync`, `flask demo load`. Work from the repo
root with no extra environment (wsgi.py is found automatically)."""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app import audit

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

refdata_cli = AppGroup("refdata", help="Reference data (regions, prefectures, clusters…).")
roles_cli = AppGroup("roles", help="Roles and permissions.")
demo_cli = AppGroup("demo", help="Demo data.")


def _read(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_reference_data(session) -> dict[str, int]:
    """Insert what is missing, by code; never overwrite what the Admin edited."""
    from models.reference import Cluster, Prefecture, Region, TargetGroup, ThematicField

    added = {}

    def upsert(model, rows, build):
        existing = {code for (code,) in session.query(model.code)}
        new = [build(r) for r in rows if r["code"] not in existing]
        session.add_all(new)
        session.flush()
        added[model.__tablename__] = len(new)

    upsert(Region, _read("regions.csv"), lambda r: Region(code=r["code"], iso=r["iso"], name_el=r["name_el"], name_en=r["name_en"]))
    region_ids = {code: rid for rid, code in session.query(Region.id, Region.code)}
    upsert(Prefecture, _read("prefectures.csv"),
           lambda r: Prefecture(code=r["code"], name_el=r["name_el"], region_id=region_ids[r["region_code"]]))
    upsert(ThematicField, _read("thematic_fields.csv"), lambda r: ThematicField(code=r["code"], name_el=r["name_el"]))
    upsert(TargetGroup, _read("target_groups.csv"), lambda r: TargetGroup(code=r["code"], name_el=r["name_el"]))
    clusters = _read("clusters.csv")
    upsert(Cluster, clusters, lambda r: Cluster(code=r["code"], position=clusters.index(r) + 1, name_el=r["name_el"],
                                                name_en=r["name_en"], specialties=r["specialties"].replace(";", "; ")))
    return added


@refdata_cli.command("load")
def refdata_load():
    """Load reference data from data/reference/*.csv (idempotent)."""
    session = current_app.appbuilder.session
    token = audit.system_actor.set("cli:refdata")
    try:
        added = load_reference_data(session)
        session.commit()
    finally:
        audit.system_actor.reset(token)
    click.echo("reference data: " + ", ".join(f"{k} +{v}" for k, v in added.items()))


@roles_cli.command("sync")
def roles_sync():
    """Create all permissions and set every role to exactly its grants."""
    from app.roles import sync_roles

    counts = sync_roles(current_app.appbuilder)
    click.echo("roles: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@demo_cli.command("load")
@click.option("--centres", default=12, show_default=True, help="How many centres.")
@click.option("--evaluators", default=40, show_default=True, help="How many evaluators.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
def demo_load(centres: int, evaluators: int, seed: int):
    """Load deterministic demo data (only into an empty database)."""
    from app.demo import DemoAlreadyLoaded, load_demo

    token = audit.system_actor.set("cli:demo")
    try:
        summary = load_demo(current_app.extensions["appbuilder"], centres=centres, evaluators=evaluators, seed=seed)
    except DemoAlreadyLoaded:
        click.echo("demo data already loaded; nothing changed.")
        summary = None
    finally:
        audit.system_actor.reset(token)
    if summary:
        click.echo(summary)
    password = current_app.config["DEMO_PASSWORD"]
    from app.demo import DEMO_ACCOUNTS

    click.echo(f"demo accounts (password: {password}):")
    for username, role, _first, _last in DEMO_ACCOUNTS:
        click.echo(f"  {username:<11} {role}")


def register_cli(app) -> None:
    app.cli.add_command(refdata_cli)
    app.cli.add_command(roles_cli)
    app.cli.add_command(demo_cli)
    from app.calls import lottery_cli  # flask lottery run|export CODE

    app.cli.add_command(lottery_cli)
    from app.evaluation import ema_cli  # flask ema rescore

    app.cli.add_command(ema_cli)
