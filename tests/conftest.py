"""Shared fixtures: real SQLite and PostgreSQL stores, settings under a temporary DUBAN_HOME.

PostgreSQL tests run against 127.0.0.1:5432 (database `test`, or DUBAN_TEST_PG_URL), each in
a schema of its own; where no server answers they are skipped and the run says so loudly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from config.settings import Settings

# Property tests check what is true, not how fast: a loaded 2-core CI machine must not fail them
# on Hypothesis's 200 ms per-example deadline.
hypothesis_settings.register_profile("duban", deadline=None)
hypothesis_settings.load_profile("duban")

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

PG_URL = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent
_pg_state: dict[str, str | None] = {}


def pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per run)."""
    if "why" not in _pg_state:
        try:
            engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as c:
                c.execute(text("select 1"))
            engine.dispose()
            _pg_state["why"] = None
        except Exception as e:  # any failure to connect means: skip, loudly
            _pg_state["why"] = f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"
    return _pg_state["why"]


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL to a fresh, empty PostgreSQL schema, dropped afterwards."""
    why = pg_unavailable()
    if why:
        pytest.skip(f"PostgreSQL 不可用，跳过（{why}）")
    schema = f"duban_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'duban.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(home=tmp_path / "var", database_url=db_url, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings on SQLite only, for tests where the database is not the point."""
    return Settings(home=tmp_path / "var", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from tasks.app.open import open_app

    a = open_app("huaian-2010", settings=settings)
    yield a
    a.store.dispose()


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    why = _pg_state.get("why")
    if not why:  # under pytest-xdist the workers knew: their skip reports say it
        pg = [r for r in terminalreporter.stats.get("skipped", []) if "PostgreSQL 不可用" in str(r.longrepr)]
        why = str(pg[0].longrepr[2]).split("（", 1)[-1].rstrip("）") if pg else None
    if why:
        terminalreporter.write_sep("!", "PostgreSQL 测试已跳过 — PostgreSQL tests were SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"  {PG_URL}: {why}", red=True)
        terminalreporter.write_line(
            "  start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", red=True
        )
    from tests.tasks.mailbox.dovecot import available

    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "dovecot" in str(r.longrepr)]
    if skipped:
        terminalreporter.write_sep(
            "!", f"邮箱测试已跳过 {len(skipped)} 项 — IMAP (Dovecot) tests were SKIPPED", red=True, bold=True
        )
        terminalreporter.write_line(f"  {available()}", red=True)


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    """A real SMTP server (aiosmtpd) that records what it receives; `.port` is where it listens."""
    from tests.tasks.reminders.smtp import Recorder, start

    rec = Recorder()
    ctl, port = start(rec)
    rec.port = port  # type: ignore[attr-defined]
    yield rec
    ctl.stop()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server (SQLite) for the whole run: entering it costs ~16 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


# Tests that talk to a real store, SMTP server or Prefect are integration tests, however they are
# marked; `make test-fast` runs the `unit` ones alone (pure logic, in seconds).
INTEGRATION_FIXTURES = {
    "app",
    "settings",
    "db_url",
    "sqlite_settings",
    "mail_app",
    "smtp",
    "prefect_harness",
    "pg_schema_url",
    "july",
    "portal",
    "dovecot",
    "mail_settings",
    "mapp",
}


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        names = {m.name for m in item.iter_markers()}
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())) or names & {"prefect", "postgres"}:
            if "integration" not in names:
                item.add_marker(pytest.mark.integration)
            if "unit" in names:
                raise pytest.UsageError(f"{item.nodeid} is marked unit but uses a real store or server")
