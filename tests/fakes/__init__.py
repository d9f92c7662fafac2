"""In-memory stand-ins for the outside world, behind the engine's own Protocols: the mail
transport (`notifications.transport.MailTransport`), the mailbox (`tasks.mailbox.Mailbox`), the
Prefect API (`tasks.prefect_api.PrefectApi`) and the clock (`tasks.calendar.Clock`). Unit tests of
logic use these; integration tests keep the real servers. Production never imports them."""
