import pytest


@pytest.fixture
def mail_app(settings, smtp):  # type: ignore[no-untyped-def]
    """The 2010 campaign on a real store, sending to the recording SMTP server."""
    from tasks.app.open import open_app

    s = settings.model_copy(update={"smtp_port": smtp.port, "smtp_backoff": 0.01, "smtp_concurrency": 2})
    app = open_app("huaian-2010", settings=s)
    yield app
    app.store.dispose()
