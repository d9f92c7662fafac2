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


def test_the_last_releases_mail_survives_the_matters_migration(db_url):
    """A store of the release before matters (0009), with a queued digest and its item: after the
    upgrade (SQLite rebuilds notification_item) the item is there, names its obligation, no
    matter, and is not signed for; a matter's item can then be added beside it."""
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0009")
    md = sa.MetaData()
    md.reflect(engine)
    t = md.tables
    now = __import__("datetime").datetime(2010, 7, 1, 9)
    with engine.begin() as c:
        c.execute(t["unit"].insert(), [{"id": 1, "campaign": "huaian-2010", "name": "清河区", "kind": "county"}])
        c.execute(
            t["obligation"].insert(),
            [
                {
                    "id": 1,
                    "campaign": "huaian-2010",
                    "unit_id": 1,
                    "code": "O2",
                    "form": "tech-needs",
                    "period": "once",
                    "due": date(2010, 7, 5),
                    "group_id": "negotiation",
                    "ladder": {"steps": []},
                    "created_at": now,
                }
            ],
        )
        c.execute(
            t["notification"].insert(),
            [
                {
                    "id": 1,
                    "key": "digest:huaian-2010:2010-07-01:a@b.cn",
                    "kind": "digest",
                    "campaign": "huaian-2010",
                    "recipient_email": "a@b.cn",
                    "recipient_name": "王",
                    "subject": "【催报提醒】",
                    "text": "正文",
                    "html": "<p>正文</p>",
                    "status": "queued",
                    "attempts": 0,
                    "created_at": now,
                }
            ],
        )
        c.execute(
            t["notification_item"].insert(),
            [
                {
                    "id": 1,
                    "key": "1:reminder:1:a@b.cn:20100630",
                    "notification_id": 1,
                    "obligation_id": 1,
                    "kind": "reminder",
                    "level": 1,
                    "step_date": date(2010, 6, 30),
                    "recipient_email": "a@b.cn",
                    "stale": False,
                    "view": {"unit": "清河区"},
                }
            ],
        )
    migrate(engine)
    with engine.begin() as c:
        row = c.execute(text("SELECT obligation_id, matter_id, signed_at, view FROM notification_item")).one()
        assert (row[0], row[1], row[2]) == (1, None, None) and "清河区" in str(row[3])
        c.execute(
            text(
                "INSERT INTO matter (id, campaign, unit_id, key, title, responsible, due, state, source, source_label,"
                " instruction, ladder, created_at) VALUES (1, 'huaian-2010', 1, 'assign:x', '事项', '', :due,"
                " 'assigned', 'ops', '', '', '{}', :now)"
            ),
            {"due": date(2010, 7, 9), "now": now},
        )
        c.execute(
            text(
                "INSERT INTO notification_item (id, key, notification_id, matter_id, kind, level, step_date,"
                " recipient_email, stale, view) VALUES (2, 'm1:reminder:1:a@b.cn:20100706', 1, 1, 'reminder', 1,"
                " :day, 'a@b.cn', false, '{}')"
            ),
            {"day": date(2010, 7, 6)},
        )
    engine.dispose()
