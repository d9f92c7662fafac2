"""A real Dovecot per test, a store, and mail as clerks' clients write it."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from config.settings import Settings
from tests.tasks.mailbox.dovecot import Dovecot, available

LIAISON = "qinghe.liaison@example.cn"  # 清河区's liaison in the 2010 campaign


@pytest.fixture
def dovecot():  # type: ignore[no-untyped-def]
    why = available()
    if why:
        pytest.skip(why)
    d = Dovecot.start()
    yield d
    d.stop()


@pytest.fixture
def mail_settings(tmp_path, dovecot) -> Settings:  # type: ignore[no-untyped-def]
    env = dovecot.settings_env()
    return Settings(
        home=tmp_path / "var",
        imap_host=env["DUBAN_IMAP_HOST"],
        imap_port=int(env["DUBAN_IMAP_PORT"]),  # type: ignore[call-arg]
        imap_username=env["DUBAN_IMAP_USERNAME"],
        imap_password=env["DUBAN_IMAP_PASSWORD"],
        imap_tls=False,
        smtp_port=1,
        smtp_connect_timeout=0.2,
        portal_secret="p" * 40,
        _env_file=None,
    )


@pytest.fixture
def mapp(mail_settings):  # type: ignore[no-untyped-def]
    from tasks.app.open import open_app

    a = open_app("huaian-2010", settings=mail_settings)
    yield a
    a.store.dispose()


def message(
    *,
    sender: str = LIAISON,
    name: str = "清河区科技局",
    subject: str = "回复：【催报提醒】附表3",
    files: list[tuple[str, bytes]] = (),
    msg_id: str = "<m1@qq.example.com>",
    headers: dict | None = None,
    text: str = "附件是我区的附表3，请查收。",
    when: datetime = datetime(2010, 7, 5, 9),
) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"{name} <{sender}>" if sender else "<>"
    m["To"] = "kqh@kjj.huaian.example.cn"
    m["Subject"] = subject
    m["Message-ID"] = msg_id
    m["Date"] = format_datetime(when.astimezone())
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(text)
    for fname, data in files:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=fname)
    return m


def qq_style(data: bytes, name: str, *, sender: str = LIAISON, msg_id: str = "<qq1@qq.example.com>") -> bytes:
    """What QQ Mail and Foxmail write: an RFC 2047 word in GB18030 inside the filename parameter
    (and the name= parameter), the body in GB18030, base64 everywhere."""
    import base64

    word = "=?gb18030?B?" + base64.b64encode(name.encode("gb18030")).decode() + "?="
    body = base64.encodebytes("附件请查收。".encode("gb18030")).decode()
    payload = base64.encodebytes(data).decode()
    return (
        f"From: =?gb18030?B?{base64.b64encode('王晓明'.encode('gb18030')).decode()}?= <{sender}>\r\n"
        f"To: kqh@kjj.huaian.example.cn\r\nSubject: "
        f"=?gb18030?B?{base64.b64encode('回复：附表3'.encode('gb18030')).decode()}?=\r\n"
        f"Message-ID: {msg_id}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="----=_NextPart_5C3F"\r\n\r\n'
        '------=_NextPart_5C3F\r\nContent-Type: text/plain; charset="gb18030"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{body}\r\n------=_NextPart_5C3F\r\n"
        f'Content-Type: application/octet-stream; name="{word}"\r\nContent-Disposition: attachment; '
        f'filename="{word}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{payload}\r\n------=_NextPart_5C3F--\r\n"
    ).encode()
