"""Alembic environment: runs on the connection (or engine) handed in by `schemas.store.migrate`,
or on DUBAN_DATABASE_URL / the default SQLite file when run from the `alembic` command line.

With a connection handed in, every migration runs in its transaction (the caller's, which
holds the migration lock and commits once): a store is never left half-migrated."""

from alembic import context

from schemas.models import metadata
from schemas.store import make_engine


def run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


config = context.config
connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = config.attributes.get("engine")
    if engine is None:
        from config.settings import get_settings

        engine = make_engine(get_settings().db_url)
    with engine.connect() as conn:
        run(conn)
        conn.commit()
