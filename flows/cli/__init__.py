"""The `duban` command line: one group (`group.py`), each command in its own module, imported only
when it is run. `run` is the console script; `main` is the group, for tests and `python -m`."""

from __future__ import annotations

import atexit
import os
import sys
import threading

from flows.cli.group import main

__all__ = ["main", "run"]


def run() -> None:
    """`duban`: the group, then a quick exit.

    Once a command has finished, the interpreter would spend about 0.35 s freeing the objects of
    every module imported (Great Expectations, pandas, SQLAlchemy), a third of `duban validate`.
    Everything a normal exit does for us still happens, in the same order (non-daemon threads
    are joined, atexit handlers run: logs flushed, child processes ended, streams flushed); only
    that last teardown is skipped."""
    try:
        main()
        code: object = 0
    except SystemExit as e:
        code = e.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("text") prints
        code = 1
    shutdown = getattr(threading, "_shutdown", None)  # what Py_FinalizeEx calls first
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that stopped early (`duban status | head`)
            pass
    os._exit(code or 0)
