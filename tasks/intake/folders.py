"""The folders Duban works in under its home are its own.

`inbox/.claimed`, `processed/`, `failed/` and `files/` are created by Duban, or adopted when
they exist, and then renamed into, moved out of and written to. A folder planted as a link to
somewhere else, or made by another user, would have Duban rename, move or overwrite that
place's files, so it is refused: opened without following a link (O_DIRECTORY | O_NOFOLLOW)
and checked, through the open descriptor, to be a folder owned by the service user. Callers
then work through that descriptor (`dir_fd`), so a path swapped mid-run redirects nothing.
The inbox itself is opened the same way but may belong to another user (clerks drop files in it).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class UnsafeFolder(Exception):
    """A folder Duban works in that is a link, not a folder, or not the service user's;
    `str()` is one line for ops: which folder, and what to do."""


@contextmanager
def opened(path: Path, *, parent: int | None = None, owned: bool = True) -> Iterator[int]:
    """`path` (inside the folder `parent` is open on, when given) as an open folder descriptor,
    created if missing; `UnsafeFolder` if it is a link, not a folder, or (`owned`) not ours."""
    fd = open_folder(path, parent=parent, owned=owned)
    try:
        yield fd
    finally:
        os.close(fd)


def open_folder(path: Path, *, parent: int | None = None, owned: bool = True) -> int:
    """The descriptor of `opened`; the caller closes it."""
    name: str | Path = path.name if parent is not None else path
    if parent is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(name, mode=0o750 if owned else 0o777, dir_fd=parent)  # ours: nobody else writes in it
    except FileExistsError:
        pass  # adopted: checked below like a new one
    except OSError as e:
        raise UnsafeFolder(
            f"无法新建文件夹 {path}（{e.strerror or type(e).__name__}）：请检查 DUBAN_HOME 的权限后重新运行"
        ) from None
    try:
        fd = os.open(name, FLAGS, dir_fd=parent)
    except OSError as e:
        raise refusal(path, name, parent, e) from None
    st = os.fstat(fd)
    if owned and st.st_uid != os.geteuid():
        os.close(fd)
        raise UnsafeFolder(
            f"拒绝使用文件夹 {path}：它属于 uid {st.st_uid}，不是运行督办系统的用户（uid {os.geteuid()}）。"
            f"请核实其中文件的来历后将它移走（或 chown 给该用户），再重新运行"
        )
    if owned and st.st_mode & 0o022:  # another user could plant a claim and its record (a forged receipt time)
        os.close(fd)
        raise UnsafeFolder(
            f"拒绝使用文件夹 {path}：其他用户可以写入（权限 {stat.filemode(st.st_mode)}），"
            f"可能被放入伪造的文件。请核实其中的文件后运行 chmod go-w {path}，再重新运行"
        )
    return fd


def refusal(path: Path, name: str | Path, parent: int | None, e: OSError) -> UnsafeFolder:
    """Why `path` could not be opened as a folder, said for ops."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        return UnsafeFolder(
            f"拒绝使用文件夹 {path}：它是一个符号链接（指向 {_target(name, parent)}），不是督办系统自己的文件夹。"
            "请核实后删除这个链接（链接指向的文件不受影响），督办系统会自行新建该文件夹；"
            "如需把数据放在别处，请设置 DUBAN_HOME"
        )
    if mode and not stat.S_ISDIR(mode):
        return UnsafeFolder(f"拒绝使用 {path}：它不是文件夹。请将它移走后重新运行，督办系统会自行新建该文件夹")
    return UnsafeFolder(f"无法打开文件夹 {path}（{e.strerror or type(e).__name__}）：请检查它的权限后重新运行")


def _target(name: str | Path, parent: int | None) -> str:
    try:
        return os.readlink(name, dir_fd=parent)
    except OSError:
        return "?"


def unlink(name: str, folder: int) -> None:
    """Remove `name` from the open `folder`, if it is there."""
    try:
        os.unlink(name, dir_fd=folder)
    except FileNotFoundError:
        pass
