"""Claiming the inbox: each file once, whatever its name, and nothing stranded by a run that died."""

import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from tasks.intake.inbox import CLAIMED, claim_all, fit_name, settle

pytestmark = [pytest.mark.unit]

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def test_each_file_is_claimed_once_and_keeps_its_name(tmp_path):
    for name in ("附表3_淮阴区_第1批.xlsx", "附表5_清河区.csv"):
        (tmp_path / name).write_bytes(b"x")
    first, second = claim_all(tmp_path, now=NOW), claim_all(tmp_path, now=NOW)
    assert sorted(c.name for c in first) == ["附表3_淮阴区_第1批.xlsx", "附表5_清河区.csv"]
    assert second == []
    assert all(c.path.parent.name == CLAIMED and c.path.exists() and len(c.path.name) == 32 for c in first)
    assert {c.claimed_at for c in first} == {NOW}  # Duban's own clock, not the file's


def test_the_received_time_is_the_claim_never_the_files_mtime(tmp_path):
    p = tmp_path / "附表4_清河区_2010年7月.xlsx"
    p.write_bytes(b"x")
    os.utime(p, (0, 0))  # backdated to 1970 by the sender
    [c] = claim_all(tmp_path, now=NOW)
    assert c.claimed_at == NOW


def test_a_name_too_long_to_prefix_is_claimed_and_settled(tmp_path):
    name = "附表3" + "清河区技术难题和需求征集表" * 6 + ".xlsx"  # 250 bytes: the old claim name overflowed at ~221
    assert len(name.encode()) <= 255
    (tmp_path / name).write_bytes(b"x")
    [c] = claim_all(tmp_path, now=NOW)
    assert c.name == name
    kept = settle(c, tmp_path / "home", failed=False, submission_id=123456)
    assert kept.exists() and len(kept.name.encode()) <= 255 and kept.name.startswith("123456-") and kept.suffix == ".xlsx"
    assert list((tmp_path / CLAIMED).iterdir()) == []


def test_links_and_pipes_are_claimed_like_files_and_folders_are_left(tmp_path):
    os.mkfifo(tmp_path / "管道.xlsx")
    (tmp_path / "环境.xlsx").symlink_to("/proc/self/environ")
    (tmp_path / "子文件夹").mkdir()
    (tmp_path / ".~lock.附表3.xlsx#").write_bytes(b"x")
    assert sorted(c.name for c in claim_all(tmp_path, now=NOW)) == ["环境.xlsx", "管道.xlsx"]


def test_a_claim_left_by_a_dead_run_is_taken_again_later_with_its_first_time(tmp_path):
    (tmp_path / "附表2_金湖县.xlsx").write_bytes(b"x")
    [left] = claim_all(tmp_path, now=NOW)  # ...and the run dies before settling it
    assert claim_all(tmp_path, now=NOW + timedelta(minutes=1)) == []  # a live run may still be working on it
    [again] = claim_all(tmp_path, now=NOW + timedelta(hours=7))
    assert again.name == "附表2_金湖县.xlsx" and again.path.exists() and not left.path.exists()
    assert again.claimed_at == NOW  # received when first claimed
    assert json.loads(again.path.with_suffix(".json").read_text())["name"] == "附表2_金湖县.xlsx"
    assert not left.path.with_suffix(".json").exists()


def test_fit_name_keeps_the_extension_and_whole_characters():
    long = "技" * 120 + ".xlsx"
    fitted = fit_name(long, 100)
    assert len(fitted.encode()) <= 100 and fitted.endswith(".xlsx") and "\ufffd" not in fitted
    assert fit_name("a/b.xlsx", 100) == "a_b.xlsx"
