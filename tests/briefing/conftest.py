from tests.sweep.conftest import mail_app, smtp  # noqa: F401  (the same real SMTP server fixtures)
