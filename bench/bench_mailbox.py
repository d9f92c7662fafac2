"""Mail intake against inbox intake (issue 17): 200 messages with one attachment each, read from a
real Dovecot and filed, against the same 200 files through the inbox, in the same run.

    .venv/bin/python bench/bench_mailbox.py      (as root, with Debian's dovecot-imapd)

Target: the mailbox takes at most 2x the inbox. Both file, judge, record and queue receipts;
sending is left out of both (the outbox is the same code either way).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = 200


def main() -> None:
    from bench.bench_batch import files as batch_files
    from config.settings import Settings
    from tasks.app.open import open_app
    from tasks.intake.run import intake_inbox
    from tasks.mailbox.machine import opened, poll
    from tests.tasks.intake.files import COUNTIES
    from tests.tasks.mailbox.conftest import message
    from tests.tasks.mailbox.dovecot import Dovecot, available

    why = available()
    if why:
        sys.exit(why)
    contacts = {
        "清河区": "qinghe",
        "清浦区": "qingpu",
        "楚州区": "chuzhou",
        "淮阴区": "huaiyin",
        "涟水县": "lianshui",
        "洪泽县": "hongze",
        "盱眙县": "xuyi",
        "金湖县": "jinhu",
    }
    files = [(COUNTIES[i % len(COUNTIES)], name, data) for i, (name, data) in enumerate(batch_files(N))]
    sh = ZoneInfo("Asia/Shanghai")
    when = datetime(2010, 7, 5, 9, tzinfo=sh)
    rounds = []
    for _ in range(2):
        d = Dovecot.start()
        try:
            for i, (u, name, data) in enumerate(files):
                d.append(
                    message(
                        sender=f"{contacts[u]}.liaison@example.cn", files=[(name, data)], msg_id=f"<b{i}@x>"
                    ).as_bytes(),
                    when,
                )
            env = d.settings_env()
            home_m, home_i = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())
            sm = Settings(
                home=home_m,
                imap_host="127.0.0.1",
                imap_port=int(env["DUBAN_IMAP_PORT"]),  # type: ignore[call-arg]
                imap_username=env["DUBAN_IMAP_USERNAME"],
                imap_password=env["DUBAN_IMAP_PASSWORD"],
                imap_tls=False,
                portal_secret="b" * 40,
                _env_file=None,
            )
            si = Settings(home=home_i, portal_secret="b" * 40, _env_file=None)  # type: ignore[call-arg]
            am, ai = open_app("huaian-2010", settings=sm), open_app("huaian-2010", settings=si)
            (home_i / "inbox").mkdir(parents=True, exist_ok=True)
            for _u, name, data in files:
                (home_i / "inbox" / name).write_bytes(data)
            t = time.perf_counter()
            results = intake_inbox(ai, received_at=datetime(2010, 7, 5, 9))
            inbox = time.perf_counter() - t
            t = time.perf_counter()
            with opened(sm) as box:
                out = poll(am, box, now=datetime(2010, 7, 5, 12))
            mailbox = time.perf_counter() - t
            assert len(results) == N and [r.action for r in out] == ["processed"] * N
            rounds.append((inbox, mailbox))
            am.store.dispose()
            ai.store.dispose()
        finally:
            d.stop()
    for inbox, mailbox in rounds:
        print(
            f"{N} files: inbox intake {inbox:.1f} s ({inbox / N * 1000:.0f} ms/file)  |  mailbox {mailbox:.1f} s "
            f"({mailbox / N * 1000:.0f} ms/message)  →  {mailbox / inbox:.2f}x (target ≤ 2x)"
        )


if __name__ == "__main__":
    main()
