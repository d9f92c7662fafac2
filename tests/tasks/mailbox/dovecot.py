"""A real Dovecot (Debian's dovecot-imapd) for the mailbox tests: its own config on a loopback
port, plain auth, a temporary maildir; messages loaded with IMAP APPEND and an INTERNALDATE."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

USER, PASSWORD = "kqh@kjj.huaian.example.cn", "test-password"


def available() -> str | None:
    """Why Dovecot cannot run here, or None."""
    if not shutil.which("dovecot"):
        return "dovecot 未安装（make 在 Debian 上以 root 安装 dovecot-imapd）"
    if os.geteuid() != 0:
        return "dovecot 测试需要 root（以 dovecot 用户读写临时邮箱）"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    config: Path
    proc: subprocess.Popen | None = None

    @classmethod
    def start(cls) -> Dovecot:
        root = Path(tempfile.mkdtemp(prefix="duban-dovecot-"))
        root.chmod(0o755)
        for d in ("run", "state", "mail"):
            (root / d).mkdir()
        shutil.chown(root / "mail", "dovecot", "dovecot")
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        port = _free_port()
        config = root / "dovecot.conf"
        config.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")
        # it forks into the background: its output goes to a file, never to a pipe we would wait on
        with open(root / "start.log", "wb") as log:
            subprocess.run(["dovecot", "-c", str(config)], check=True, stdout=log, stderr=log, timeout=30)
        d = cls(root, port, config)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return d
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start: " + (root / "dovecot.log").read_text()[-2000:])

    def stop(self) -> None:
        import signal

        try:  # the master stops its children (`doveadm stop` would wait ~3 s for it)
            os.kill(int((self.root / "run" / "master.pid").read_text()), signal.SIGTERM)
        except (OSError, ValueError):
            subprocess.run(
                ["doveadm", "-c", str(self.config), "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        c = imaplib.IMAP4("127.0.0.1", self.port)
        c.login(USER, PASSWORD)
        return c

    def append(self, raw: bytes, when: datetime, folder: str = "INBOX") -> None:
        c = self.client()
        try:
            from imap_tools.imap_utf7 import utf7_encode

            typ, data = c.append(utf7_encode(folder).decode(), "", imaplib.Time2Internaldate(when.timestamp()), raw)
            assert typ == "OK", data
        finally:
            c.logout()

    def count(self, folder: str) -> int:
        from imap_tools import MailBoxUnencrypted

        with MailBoxUnencrypted("127.0.0.1", self.port).login(USER, PASSWORD) as mb:
            if not mb.folder.exists(folder):
                return 0
            return int(mb.folder.status(folder)["MESSAGES"])

    def settings_env(self) -> dict[str, str]:
        return {
            "DUBAN_IMAP_HOST": "127.0.0.1",
            "DUBAN_IMAP_PORT": str(self.port),
            "DUBAN_IMAP_USERNAME": USER,
            "DUBAN_IMAP_PASSWORD": PASSWORD,
            "DUBAN_IMAP_TLS": "false",
        }
