"""Indicator speed (issue 13): 50 indicators over 100,000 stored rows, side by side with a bare
read of the same rows in the same process. Target: the figures in < 1 s.

    .venv/bin/python bench/bench_indicators.py [ROWS]

The rows are 附表5 rows (a cumulative monthly form) of 100 units over three months, through the
generic row store on SQLite (and on PostgreSQL when it answers).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def campaign_with_50_indicators(units: int):  # type: ignore[no-untyped-def]
    from bench.bench_sweep import national_campaign
    from schemas.indicators import Indicator

    c = national_campaign(units)
    extra = []
    statuses, modes = (
        ["洽谈中", "已签约", "已终止"],
        ["技术转让", "合作开发", "委托开发", "共建研发机构", "技术咨询", "其他"],
    )
    for i in range(50 - len(c.indicators)):
        kind = i % 5
        where = ({"column": "status", "eq": statuses[i % 3]}, {"column": "cooperation_mode", "eq": modes[i % 6]})
        if kind == 0:
            extra.append(Indicator(key=f"n{i}", label=f"计数{i}", form="negotiations", where=where))
        elif kind == 1:
            extra.append(
                Indicator(
                    key=f"s{i}",
                    label=f"金额{i}",
                    form="negotiations",
                    measure="sum",
                    column="amount_wan",
                    where=where[:1],
                )
            )
        elif kind == 2:
            extra.append(
                Indicator(
                    key=f"d{i}",
                    label=f"企业{i}",
                    form="negotiations",
                    measure="distinct",
                    column="enterprise",
                    where=where[1:],
                )
            )
        elif kind == 3:
            extra.append(
                Indicator(
                    key=f"u{i}",
                    label=f"单位{i}",
                    form="negotiations",
                    measure="units",
                    of_kind="county",
                    where=({"column": "amount_wan", "gt": 800},),
                )
            )
        else:
            extra.append(Indicator(key=f"a{i}", label=f"全部{i}", form="negotiations", periods="all", where=where[:1]))
    return c.model_copy(update={"indicators": [*c.indicators, *extra]})


def seed(url: str, campaign, rows: int) -> object:  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from schemas.store import open_store
    from schemas.tables import Submission, Unit
    from tasks import rows as store_rows

    rnd = random.Random(13)
    st = open_store(url)
    form = campaign.form("negotiations")
    per_file = rows // (len(campaign.units) * 3)
    with Session(st.engine) as s, s.begin():
        for u in campaign.units:
            unit = Unit(campaign=campaign.id, name=u.name, kind=u.kind)
            s.add(unit)
            s.flush()
            for m in (7, 8, 9):
                sub = Submission(
                    campaign=campaign.id,
                    sha256=f"{unit.id}-{m}",
                    filename="x.xlsx",
                    size=1,
                    received_at=datetime(2010, m, 15),
                    unit_id=unit.id,
                    form="negotiations",
                    period=f"2010-{m:02d}",
                    status="accepted",
                )
                s.add(sub)
                s.flush()
                store_rows.store(
                    s,
                    form,
                    sub,
                    unit.id,
                    [
                        {
                            "row_number": i + 5,
                            "project": f"项目{i}",
                            "enterprise": f"企业{rnd.randint(0, 400)}",
                            "institution": "淮阴工学院",
                            "contact_date": date(2010, m, 1),
                            "status": rnd.choice(["洽谈中", "已签约", "已终止"]),
                            "signed_date": date(2010, m, 1) + timedelta(days=rnd.randint(0, 20)),
                            "amount_wan": rnd.randint(10, 1000),
                            "cooperation_mode": rnd.choice(
                                ["技术转让", "合作开发", "委托开发", "共建研发机构", "技术咨询", "其他"]
                            ),
                            "academician": rnd.random() < 0.1,
                        }
                        for i in range(per_file)
                    ],
                )
    return st


def best(n: int, fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def run(label: str, url: str, rows: int) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from schemas.rows import FormRow
    from tasks.briefing import indicators

    campaign = campaign_with_50_indicators(100)
    st = seed(url, campaign, rows)
    as_of = datetime(2010, 9, 30, 23, 59)

    def bare() -> int:
        with Session(st.engine) as s:  # type: ignore[attr-defined]
            return len(s.execute(select(FormRow.data)).all())

    def ours() -> dict:
        with Session(st.engine) as s:  # type: ignore[attr-defined]
            return indicators.compute(campaign, indicators.load(s, campaign, as_of))

    n, _ = bare(), ours()
    t_bare, _ = best(3, bare)
    t_ours, values = best(3, ours)
    print(
        f"{label}: {len(values)} indicators over {n:,} rows in {t_ours:.2f} s "
        f"(bare read of the same rows' JSON: {t_bare:.2f} s) (target < 1 s)"
    )
    st.dispose()  # type: ignore[attr-defined]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/i.db", rows)
    from tests.conftest import PG_URL, pg_unavailable

    if not pg_unavailable():
        import uuid

        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            run("PostgreSQL", f"{PG_URL}?options=-csearch_path%3D{schema}", rows)
        finally:
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
