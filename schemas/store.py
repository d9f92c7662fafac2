"""The store: engine, sessions and migrations, on SQLite (default) or PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and a writer session takes the write lock up
front (`BEGIN IMMEDIATE`), so two flows that read-then-write never fail with "database is
locked" halfway through. On PostgreSQL, writers that claim rows use `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and explicit BEGINs. JSON columns
    (form rows) go through orjson: storing and reading 100,000 rows is several times faster."""
    json = {"json_serializer": _dumps, "json_deserializer": orjson.loads}
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **json)
    engine = create_engine(url, connect_args={"timeout": 60}, **json)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")
        _wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _wal(cur: sqlite3.Cursor) -> None:
    """WAL mode, waiting for it: on a new file, another process switching it to WAL at the same
    moment makes the switch answer "database is locked" at once, without the busy timeout."""
    for attempt in range(100):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == 99:
                raise
            time.sleep(0.05)


@dataclass
class Store:
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed on success.

        `write=True` for read-then-write work: on SQLite it takes the write lock at BEGIN.
        """
        with Session(self._writer if write else self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    @cached_property
    def _writer(self) -> Engine:
        return self.engine.execution_options(sqlite_immediate=True)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine, connection: Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config  # deferred: Alembic costs 0.14 s, needed only to migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    cfg.attributes["connection"] = connection
    return cfg


MIGRATE_LOCK = 0x6475_6261_6E07  # "duban" + the migration lock
# The newest migration's revision (tests/schemas/test_migrations.py checks it is Alembic's head): a
# store already there is seen with one query, without importing Alembic (0.14 s at every start).
HEAD = "0011"


def _revision(engine: Engine) -> str | None:
    """The store's revision, or None (no store yet, or no version table)."""
    with engine.connect() as conn:
        try:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DBAPIError:
            return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (cheap when it already is).

    One connection, one transaction, under a lock (PostgreSQL: an advisory lock; SQLite: the
    write lock taken at BEGIN IMMEDIATE): two processes starting together never both migrate,
    and a failure leaves the store exactly as it was, never half-migrated."""
    if _revision(engine) == HEAD:
        return
    from alembic import command  # deferred: Alembic costs 0.14 s, and is needed only to migrate
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    writer = engine.execution_options(sqlite_immediate=True)
    with writer.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        else:
            conn.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: the write lock, held to the commit
        if MigrationContext.configure(conn).get_current_revision() != head:  # not done by another meanwhile
            command.upgrade(alembic_config(engine, conn), "head")
        conn.commit()


def open_store(url: str, *, home: Path | None = None) -> Store:
    """Open (and create or upgrade) the store at `url`; creates `home` for SQLite files."""
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    migrate(engine)
    return Store(engine)
