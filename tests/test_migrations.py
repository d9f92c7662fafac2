"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from schemas.models import metadata
from tasks.store import open_store


def test_migrations_match_the_models(db_url):
    store = open_store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    store.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_open_store_twice_is_a_no_op(db_url):
    open_store(db_url).dispose()
    open_store(db_url).dispose()
