from tests.tasks.reminders.conftest import mail_app  # noqa: F401  (the same store on a real SMTP server; `smtp` is shared)
