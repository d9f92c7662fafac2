"""Alembic environment: runs on the engine handed in by `tasks.store.migrate`, or on
DUBAN_DATABASE_URL / the default SQLite file when run from the `alembic` command line."""

from alembic import context

from schemas.models import metadata
from tasks.store import make_engine

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from config.settings import get_settings

    engine = make_engine(get_settings().db_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
