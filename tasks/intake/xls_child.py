"""Reading a legacy .xls in a child process.

A corrupt .xls can make calamine's Rust code abort the whole process (a 750 GB allocation
from a 5 KB file, found by fuzzing): no `except` catches that, and it would take the intake
worker down with it. So the parent (`read._calamine_isolated`) pipes the bytes here and gets
the sheets back as JSON; if this process dies, the file is simply unreadable. Legacy files are
small (at most 65,536 rows), so the round trip costs ~0.1 s.
"""

from __future__ import annotations

import json
import resource
import sys

ADDRESS_SPACE = 4 << 30  # far above what a 20 MB .xls needs, far below what would hurt the host


def main() -> None:
    from tasks.intake.read import Unreadable, _calamine

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    data = sys.stdin.buffer.read()
    try:
        out: dict[str, object] = {"sheets": [[s.name, s.rows] for s in _calamine(data)]}
    except Unreadable as e:
        out = {"error": [e.code, str(e)]}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
