"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from schemas.models import metadata
from schemas.rows import FormRow
from schemas.store import HEAD, MIGRATIONS, alembic_config, make_engine, migrate, open_store
from tasks.intake.rows import current_rows
from tests.tasks.intake.files import CAMPAIGN

pytestmark = [pytest.mark.integration]


def test_migrations_match_the_models(db_url):
    store = open_store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    store.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_open_store_twice_is_a_no_op(db_url):
    open_store(db_url).dispose()
    open_store(db_url).dispose()


def _store_at_0006_with_2010_rows(url):  # type: ignore[no-untyped-def]
    """A store as it was before the generic row store, holding rows of two 2010 forms."""
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0006")
    md = sa.MetaData()
    md.reflect(engine)
    t = md.tables
    with engine.begin() as c:
        c.execute(t["unit"].insert(), [{"id": 1, "campaign": "huaian-2010", "name": "清河区", "kind": "county"}])
        c.execute(
            t["submission"].insert(),
            [
                {
                    "id": i,
                    "campaign": "huaian-2010",
                    "sha256": f"{i:064d}",
                    "filename": f"{i}.xlsx",
                    "size": 1,
                    "received_at": __import__("datetime").datetime(2010, 7, i),
                    "unit_id": 1,
                    "form": form,
                    "period": period,
                    "status": "accepted",
                    "summary": "",
                    "row_count": 1,
                }
                for i, form, period in [(1, "tech-needs", "第1批"), (2, "negotiations", "2010-07")]
            ],
        )
        c.execute(
            t["tech_need"].insert(),
            [
                {
                    "submission_id": 1,
                    "unit_id": 1,
                    "period": "第1批",
                    "row_number": 5 + i,
                    "current": i != 1,
                    "enterprise": f"企业{i}",
                    "credit_code": "91320800MA1M8ABC0X",
                    "sales_wan": 2500.5,
                    "is_tech_enterprise": True,
                    "need_name": "散热",
                    "need_type": "技术难题",
                    "field": "电子信息",
                    "description": "描述" * 12,
                    "cooperation_mode": "合作开发",
                    "target_institution": None,
                    "contact": "王",
                    "phone": "0517-83660000",
                }
                for i in range(3)
            ],
        )
        c.execute(
            t["negotiation"].insert(),
            [
                {
                    "submission_id": 2,
                    "unit_id": 1,
                    "period": "2010-07",
                    "row_number": 5,
                    "current": True,
                    "project": "项目",
                    "enterprise": "企业",
                    "institution": "淮阴工学院",
                    "contact_date": __import__("datetime").date(2010, 7, 2),
                    "status": "已签约",
                    "signed_date": __import__("datetime").date(2010, 7, 12),
                    "amount_wan": 120.0,
                    "cooperation_mode": "合作开发",
                    "academician": False,
                    "note": None,
                }
            ],
        )
    return engine


def test_the_2010_rows_move_into_the_generic_store_with_nothing_lost(db_url):
    engine = _store_at_0006_with_2010_rows(db_url)
    migrate(engine)
    assert not {"tech_need", "negotiation", "milestone"} & set(inspect(engine).get_table_names())

    with Session(engine) as s:
        rows = s.scalars(select(FormRow).order_by(FormRow.id)).all()
        needs = [r for r in rows if r.form == "tech-needs"]
        assert [(r.row_number, r.current, r.key, r.data["enterprise"]) for r in needs] == [
            (5, True, "企业0\x1f散热", "企业0"),
            (6, False, "企业1\x1f散热", "企业1"),
            (7, True, "企业2\x1f散热", "企业2"),
        ]
        assert needs[0].data["org_code"] == "91320800MA1M8ABC0X" and needs[0].data["sales_wan"] == 2500.5
        assert needs[0].data["is_tech_enterprise"] is True and needs[0].campaign == "huaian-2010"
        [neg] = [r for r in rows if r.form == "negotiations"]
        assert (neg.period, neg.submission_id, neg.data["signed_date"], neg.data["amount_wan"]) == (
            "2010-07",
            2,
            "2010-07-12",
            120.0,
        )

        typed = current_rows(s, CAMPAIGN.form("negotiations"), "huaian-2010")
        assert typed[0]["signed_date"] == date(2010, 7, 12) and typed[0]["unit"] == "清河区"
    engine.dispose()


def test_a_migration_that_fails_halfway_leaves_the_store_as_it_was(db_url):
    """The last table cannot be read (here: it is gone): everything before it is rolled back."""
    engine = _store_at_0006_with_2010_rows(db_url)
    with engine.begin() as c:
        c.execute(text("DROP TABLE milestone"))
    with pytest.raises(Exception):  # noqa: B017 - whatever the database says
        migrate(engine)
    with engine.connect() as c:
        assert MigrationContext.configure(c).get_current_revision() == "0006"
        assert c.execute(text("SELECT count(*) FROM tech_need")).scalar() == 3
    assert "form_row" not in inspect(engine).get_table_names()
    engine.dispose()


def test_the_store_knows_the_newest_migration():
    """`schemas.store.HEAD` lets a store already up to date open without Alembic: it must be the head."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD
