"""Reading a received file into sheets of text cells, in a resource-limited child process.

Every format is parsed in a reader child (`child.py`) with a memory limit, a CPU limit
per file and a wall-clock timeout. A file that kills the child or outlasts the timeout is an
unreadable file ("文件过大或结构异常"), and the next file gets a fresh child. Children are kept
and reused, so isolation costs a pipe round trip (milliseconds), not a process start per file.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path, PurePath

import orjson

from tasks.reader.sheet import TOO_COMPLEX, Limits, Sheet, Unreadable
from tasks.reader.sniff import tabular_text

DOCUMENT_SUFFIXES = {".docx", ".doc", ".pdf", ".txt", ".wps"}


class _Gone(Exception):
    """The child died or ran out of time while reading a file."""


# The child's whole environment: it reads files from strangers, so it is given no secret (no
# DUBAN_* setting, no password or token of the parent's), only what Python and a locale need.
_CHILD_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED", "PYTHONUTF8", "PYTHONIOENCODING")
_ROOT = str(Path(__file__).resolve().parents[2])  # the project: the child imports tasks.reader from it


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The reader child's environment: an allow-list of `environ`, and the project on its path."""
    env = {k: environ[k] for k in _CHILD_ENV if k in environ}
    return {**env, "PYTHONPATH": _ROOT, "RUST_BACKTRACE": "0"}


class _Child:
    def __init__(self, memory_bytes: int):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tasks.reader.child", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_env(os.environ),
            cwd=_ROOT,
            close_fds=True,
        )

    def read(self, data: bytes, filename: str, limits: Limits) -> dict:
        head = orjson.dumps({"filename": filename, "size": len(data), "limits": asdict(limits)}) + b"\n"
        deadline = time.monotonic() + limits.timeout_seconds
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(head)
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Gone from None
        size = int.from_bytes(self._exactly(8, deadline), "big")
        if size > limits.max_reply_bytes:  # never read: the file is too complex, and the child is killed
            raise _Gone
        return orjson.loads(self._exactly(size, deadline))

    def _exactly(self, n: int, deadline: float) -> bytes:
        assert self.proc.stdout is not None
        fd, chunks, got = self.proc.stdout.fileno(), [], 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while got < n:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise _Gone
                chunk = os.read(fd, min(n - got, 1 << 20))
                if not chunk:
                    raise _Gone
                chunks.append(chunk)
                got += len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


_PR_SET_DUMPABLE = 4


@functools.cache  # once a process
def _not_dumpable() -> None:
    """Make this process's /proc files (its environment, its memory) unreadable by other processes
    of the same user, the reader children first: a parser a file exploits must not find the worker's
    secrets there. Linux only; elsewhere a no-op. (It also stops a same-user debugger attaching.)"""
    if not sys.platform.startswith("linux"):
        return

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class ReaderPool:
    """Idle reader children, reused; one per thread reading at the same moment."""

    def __init__(self) -> None:
        self._idle: list[tuple[int, _Child]] = []
        self._lock = threading.Lock()

    def read(self, data: bytes, filename: str, limits: Limits) -> list[Sheet]:
        child = self._take(limits.memory_bytes)
        try:
            out = child.read(data, filename, limits)
        except _Gone:
            child.kill()  # it died (a memory or CPU limit) or took too long: the file is the cause
            raise Unreadable("too-complex", TOO_COMPLEX) from None
        except BaseException:
            child.kill()
            raise
        self._give(child, limits.memory_bytes)
        if "error" in out:
            raise Unreadable(*out["error"])
        return [Sheet(name, rows, tuple(map(tuple, formulas))) for name, rows, formulas in out["sheets"]]

    def _take(self, memory_bytes: int) -> _Child:
        with self._lock:
            for i, (mem, child) in enumerate(self._idle):
                if mem == memory_bytes and child.proc.poll() is None:
                    return self._idle.pop(i)[1]
        _not_dumpable()  # before the first child exists
        return _Child(memory_bytes)

    def _give(self, child: _Child, memory_bytes: int) -> None:
        with self._lock:
            self._idle.append((memory_bytes, child))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _, child in idle:
            child.close()


_POOL = ReaderPool()
atexit.register(_POOL.close)


def read_sheets(data: bytes, filename: str, limits: Limits) -> list[Sheet]:
    """All sheets of a workbook or table file (see `parse.parse`) as text cells, or `Unreadable`."""
    if not data:
        raise Unreadable("empty-file", "文件是空的（0字节），请重新导出后再发送")
    if len(data) > limits.max_bytes:  # refused here too: never piped to the child
        raise Unreadable(
            "too-large", f"文件超过 {limits.max_bytes / 1e6:.0f} MB 的上限，请删除无关工作表或拆分后重新发送"
        )
    return _POOL.read(data, filename, limits)


def is_document(filename: str, data: bytes = b"") -> bool:
    """A document (Word, PDF, prose text) by its name; a .txt whose lines are cut into columns
    (Excel's "Unicode 文本", a CSV saved as .txt) is a table all the same."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".txt" and data and tabular_text(data):
        return False
    return suffix in DOCUMENT_SUFFIXES
