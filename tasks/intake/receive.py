"""Taking a received file's bytes, checked before a byte is copied.

Regular files only, looked at without following links (a link to /proc/self/environ would
store the worker's environment, a link to a FIFO would hang the run), opened with
O_NOFOLLOW | O_NONBLOCK and looked at again through the open descriptor, and refused when
over the size limit before anything is read. What is refused is recorded (name, size,
reason), never its bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class Refused(Exception):
    """An entry that is not taken in; `str()` is the reason for a clerk, `size` what it claimed."""

    def __init__(self, code: str, message: str, size: int | None = None):
        self.code, self.size = code, size
        super().__init__(message)


def too_large(size: int, limit: int) -> Refused:
    return Refused(
        "too-large",
        f"文件大小 {_human(size)}，超过 {_human(limit)} 的上限，未能受理；请删除无关工作表或拆分后重新发送",
        size,
    )


def _human(n: int) -> str:
    for unit, k in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n} 字节"


def open_received(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file at `path` (at most `max_bytes`), or `Refused` saying why."""
    try:
        st = os.lstat(path)
    except OSError as e:
        raise Refused("io-error", f"无法读取文件（{e.strerror or type(e).__name__}）") from None
    if not stat.S_ISREG(st.st_mode):
        raise Refused("not-a-file", f"收到的不是普通文件（{_kind(st.st_mode)}），未能受理；请直接发送 Excel 文件")
    if st.st_size > max_bytes:
        raise too_large(st.st_size, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise Refused("io-error", f"无法读取文件（{e.strerror or type(e).__name__}）", st.st_size) from None
    try:
        st = os.fstat(fd)  # the entry could have been swapped between lstat and open
        if not stat.S_ISREG(st.st_mode):
            raise Refused("not-a-file", f"收到的不是普通文件（{_kind(st.st_mode)}），未能受理；请直接发送 Excel 文件")
        if st.st_size > max_bytes:
            raise too_large(st.st_size, max_bytes)
        chunks, got = [], 0
        while got <= max_bytes and (chunk := os.read(fd, min(1 << 20, max_bytes + 1 - got))):
            chunks.append(chunk)
            got += len(chunk)
        if got > max_bytes:  # it grew while we read it
            raise too_large(got, max_bytes)
        return b"".join(chunks)
    except OSError as e:
        raise Refused("io-error", f"无法读取文件（{e.strerror or type(e).__name__}）", st.st_size) from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISFIFO(mode):
        return "管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    if stat.S_ISDIR(mode):
        return "文件夹"
    return "特殊文件"
