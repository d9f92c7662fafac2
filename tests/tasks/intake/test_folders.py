"""The folders Duban works in are its own, end to end (issue 23, point 2): `duban intake` over a
home whose `.claimed`, `processed`, `failed` or `files` was planted as a link says so in one
line, without a traceback, and moves, copies or renames nothing."""

import os
from pathlib import Path

import pytest

from tests.tasks.intake.files import messy_workbook, need_row
from tests.tasks.intake.test_cli import duban

pytestmark = [pytest.mark.integration]


def _side(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    side = tmp_path / "side"
    side.mkdir()
    for name in ("passwd", "附表3_淮阴区_第1批.xlsx", "a" * 32):
        (side / name).write_bytes(name.encode())
        os.utime(side / name, (0, 0))
    return side, {p.name: p.read_bytes() for p in side.iterdir()}


@pytest.mark.parametrize("folder", ["inbox/.claimed", "processed", "failed", "files"])
def test_intake_refuses_a_planted_link_in_one_line_and_touches_nothing(tmp_path, folder):
    home = tmp_path / "var"
    (home / "inbox").mkdir(parents=True)
    waiting = home / "inbox" / "附表3_淮阴区_第1批.xlsx"
    waiting.write_bytes(messy_workbook("tech-needs", [need_row(0)], unit="淮阴区"))
    side, before = _side(tmp_path)
    (home / folder).symlink_to(side)
    r = duban("intake", home=home)
    assert r.returncode == 2, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.startswith("拒绝使用")]
    assert lines == [x for x in r.stderr.splitlines() if "拒绝" in x or "Traceback" in x or "内部错误" in x]
    assert len(lines) == 1 and str(home / folder) in lines[0] and "符号链接" in lines[0] and "删除这个链接" in lines[0]
    assert {p.name: p.read_bytes() for p in side.iterdir()} == before  # same names, same bytes, still there
    assert waiting.exists()  # nothing claimed: the file waits for a run in a sound home
    (home / folder).unlink()
    r = duban("intake", "--json", home=home)
    assert r.returncode == 0, r.stderr
    assert not waiting.exists() and len(list((home / "processed").iterdir())) == 1
