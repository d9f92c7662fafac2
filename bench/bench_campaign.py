"""Campaigns as data, measured (issue 12), side by side with bare baselines in the same process.

    .venv/bin/python bench/bench_campaign.py [ROWS]

1. Loading and checking a campaign with 20 forms, against a bare yaml.safe_load of the same file
   (target < 0.5 s).
2. Storing and reading back ROWS (default 100,000) 附表3 rows through the generic row store
   (JSON on SQLite, JSONB on PostgreSQL when it answers) against the typed table it replaced
   (the same columns as SQL columns), on the same database.
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best(n: int, fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def twenty_forms(tmp: Path) -> Path:
    from config.settings import CAMPAIGNS_DIR

    data = yaml.safe_load((CAMPAIGNS_DIR / "huaian-2010.yaml").read_text(encoding="utf-8"))
    base = next(f for f in data["forms"] if f.get("code") == "tech-needs")
    while len(data["forms"]) < 20:
        f = copy.deepcopy(base)
        n = len(data["forms"])
        f["code"], f["label"], f["title"] = f"form-{n}", f"附表{n}", f"{base['title']}{n}"
        data["forms"].append(f)
    (tmp / "forms").mkdir()
    (tmp / "forms" / "contacts.yaml").write_text(
        (CAMPAIGNS_DIR.parent / "forms" / "contacts.yaml").read_text("utf-8"), "utf-8"
    )
    (tmp / "campaigns").mkdir()
    p = tmp / "campaigns" / "twenty.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def store_bench(url: str, rows: int) -> tuple[float, float, float, float]:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from schemas.store import open_store
    from schemas.tables import Submission, Unit
    from tasks.intake.rows import current_rows, store
    from tests.tasks.intake.files import CAMPAIGN, need_row

    st = open_store(url)
    form = CAMPAIGN.form("tech-needs")
    keys = [c.key for c in form.columns]
    records = []
    for i in range(rows):
        r = dict(zip(keys, need_row(i), strict=True))
        r.update(
            enterprise=f"企业{i}",
            need_name=f"需求{i}",
            sales_wan=2500.0 + i,
            is_tech_enterprise=bool(i % 2),
            row_number=5 + i,
        )
        records.append(r)
    with Session(st.engine) as s, s.begin():
        unit = Unit(campaign=CAMPAIGN.id, name="淮阴区", kind="county")
        s.add(unit)
        s.flush()
        sub = Submission(
            campaign=CAMPAIGN.id,
            sha256="0" * 64,
            filename="x.xlsx",
            size=1,
            received_at=datetime(2010, 7, 1),
            unit_id=unit.id,
            form="tech-needs",
            period="第1批",
            status="accepted",
            row_count=rows,
        )
        s.add(sub)
        s.flush()
        unit_id, sub_id = unit.id, sub.id
    typed = sa.Table(
        "typed_tech_need",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer),
        sa.Column("unit_id", sa.Integer),
        sa.Column("period", sa.String(32)),
        sa.Column("row_number", sa.Integer),
        sa.Column("current", sa.Boolean),
        *[
            sa.Column(c.key, sa.Float if c.kind == "money" else sa.Boolean if c.kind == "flag" else sa.Text)
            for c in form.columns
        ],
    )
    typed.create(st.engine)

    def generic_write() -> None:
        with Session(st.engine) as s, s.begin():
            sub = s.get(Submission, sub_id)
            store(s, form, sub, unit_id, records)

    def typed_write() -> None:
        with st.engine.begin() as c:
            c.execute(
                typed.insert(),
                [
                    {
                        "submission_id": sub_id,
                        "unit_id": unit_id,
                        "period": "第1批",
                        "row_number": r["row_number"],
                        "current": True,
                        **{k: r.get(k) for k in keys},
                    }
                    for r in records
                ],
            )

    t_gw = best(1, generic_write)
    t_tw = best(1, typed_write)

    def generic_read() -> int:
        with Session(st.engine) as s:
            return len(current_rows(s, form, CAMPAIGN.id))

    def typed_read() -> int:
        with st.engine.connect() as c:
            return len([dict(r) for r in c.execute(sa.select(typed).where(typed.c.current.is_(True))).mappings()])

    assert generic_read() == rows and typed_read() == rows
    t_gr, t_tr = best(3, generic_read), best(3, typed_read)
    st.dispose()
    return t_gw, t_tw, t_gr, t_tr


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from schemas.loading import load_campaign

    with tempfile.TemporaryDirectory() as tmp:
        p = twenty_forms(Path(tmp))
        load_campaign(p)
        bare = best(5, lambda: yaml.safe_load(p.read_text(encoding="utf-8")))
        ours = best(5, lambda: load_campaign(p))
        print(
            f"campaign with 20 forms: load and check {ours * 1000:.0f} ms "
            f"(bare yaml.safe_load {bare * 1000:.0f} ms) (target < 500 ms)"
        )
        urls = [("SQLite", f"sqlite:///{tmp}/rows.db")]
        from tests.conftest import PG_URL, pg_unavailable

        if not pg_unavailable():
            import uuid

            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_URL)
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            urls.append(("PostgreSQL", f"{PG_URL}?options=-csearch_path%3D{schema}"))
        try:
            for name, url in urls:
                gw, tw, gr, tr = store_bench(url, rows)
                print(
                    f"{name}, {rows:,} rows: store generic {gw:.2f} s vs typed {tw:.2f} s; "
                    f"read back typed generic {gr:.2f} s vs typed {tr:.2f} s"
                )
        finally:
            if len(urls) > 1:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
