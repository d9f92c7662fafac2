"""The units' pages over a real store, through the real Starlette app (HTTP in process)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from config.settings import Settings
from tests.fakes.clock import FixedClock


@pytest.fixture
def portal_settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        home=tmp_path / "var",
        portal_secret="k" * 40,
        portal_url="http://testserver",  # type: ignore[call-arg]
        smtp_port=1,
        _env_file=None,
    )


@pytest.fixture
def portal(portal_settings):  # type: ignore[no-untyped-def]
    from flows.portal.app import create_app
    from tasks.app.open import open_app

    clock = FixedClock(datetime(2010, 7, 5, 10, 0))
    app = open_app("huaian-2010", settings=portal_settings, clock=clock)
    web = create_app(app)
    yield app, web, clock
    app.store.dispose()


def link(app, unit: str) -> str:  # type: ignore[no-untyped-def]
    from tasks.portal.links import link_for

    with app.store.session() as s:
        return link_for(s, app.settings, app.campaign, unit).url.removeprefix("http://testserver")


def client_for(web, app, unit: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser of `unit`: it opened its link (and holds the page cookie)."""
    c = TestClient(web, raise_server_exceptions=False, follow_redirects=False)
    r = c.get(link(app, unit))
    assert r.status_code == 303 and r.headers["location"] == "/me"
    return c


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
