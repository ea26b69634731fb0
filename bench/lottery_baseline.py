"""The same-run baseline of the lottery benchmark: an independent, minimal implementation
of KSE-LOTTERY-v1 (shared/lottery.md steps 2 and 4) on the same inputs, read straight
from the database with the DB-API driver; it checks nothing, stores nothing and builds no
bundle - the floor a full run is compared with. Prints "<applications> <allocations>".

    python bench/lottery_baseline.py DATABASE_URL CALL_CODE SECRET_HEX
"""
import hashlib
import hmac
import sys


def connect(url):
    if url.startswith("sqlite:///"):
        import sqlite3

        return sqlite3.connect(url[len("sqlite:///"):]), "?"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")), "%s"


def main(url, call_code, secret_hex):
    conn, mark = connect(url)
    cur = conn.cursor()
    cur.execute(f"SELECT id, max_programmes_per_centre FROM call WHERE code = {mark}", (call_code,))
    call_id, cap = cur.fetchone()
    cur.execute(f"""SELECT a.id, c.code, p.code, r.code FROM call_application a JOIN centre c ON c.id = a.centre_id
                    JOIN prefecture p ON p.id = a.prefecture_id JOIN region r ON r.id = p.region_id
                    WHERE a.call_id = {mark} AND a.status = 'final'""", (call_id,))
    apps = {row[0]: [row[1], row[2], row[3], []] for row in cur.fetchall()}
    cur.execute(f"""SELECT ch.application_id, cl.code FROM call_application_choice ch
                    JOIN cluster cl ON cl.id = ch.cluster_id JOIN call_application a ON a.id = ch.application_id
                    WHERE a.call_id = {mark} AND a.status = 'final' ORDER BY ch.application_id, ch.position""",
                (call_id,))
    for app_id, cluster in cur:
        apps[app_id][3].append(cluster)
    cur.execute(f"""SELECT cl.code, x.category, COALESCE(p.code, r.code), x.programmes FROM annex_a_cell x
                    JOIN cluster cl ON cl.id = x.cluster_id LEFT JOIN prefecture p ON p.id = x.prefecture_id
                    LEFT JOIN region r ON r.id = x.region_id WHERE x.call_id = {mark}""", (call_id,))
    left = {(c, cat, area): n for c, cat, area, n in cur.fetchall()}
    key = bytes.fromhex(secret_hex)

    def ticket(centre):
        return hmac.new(key, f"KSE-LOTTERY-v1|{call_code}|{centre}".encode(), hashlib.sha256).hexdigest()

    draw = sorted(apps.values(), key=lambda a: (ticket(a[0]), a[0]))
    held, allocated, in_play = {}, 0, draw
    while in_play:
        staying = []
        for centre, pref, region, clusters in in_play:
            got = next(((c, cat, area) for c in clusters for cat, area in (("IIa", pref), ("IIb", region))
                        if left.get((c, cat, area), 0) > 0), None)
            if got is None:
                continue
            left[got] -= 1
            allocated += 1
            held[centre] = held.get(centre, 0) + 1
            if held[centre] < cap:
                staying.append((centre, pref, region, clusters))
        in_play = staying
    print(len(draw), allocated)


if __name__ == "__main__":
    main(*sys.argv[1:4])
