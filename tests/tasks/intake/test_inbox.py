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
    assert (
        kept.exists() and len(kept.name.encode()) <= 255 and kept.name.startswith("123456-") and kept.suffix == ".xlsx"
    )
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


# The folders Duban works in are its own (issue 23, point 2) ------------------------------------


def _planted(tmp_path):  # type: ignore[no-untyped-def]
    """Another directory's old files, as they were."""
    side = tmp_path / "side"
    side.mkdir()
    for name, data in (("passwd", b"root:x:0:0\n"), ("report.xlsx", b"PK old"), ("notes", b"n")):
        (side / name).write_bytes(data)
        os.utime(side / name, (0, 0))  # old: any stale rule would take them
    return side, {p.name: p.read_bytes() for p in side.iterdir()}


def test_a_claimed_folder_planted_as_a_link_is_refused_and_its_files_untouched(tmp_path):
    from tasks.intake.inbox import UnsafeFolder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    side, before = _planted(tmp_path)
    (inbox / CLAIMED).symlink_to(side)
    (inbox / "附表3_清河区_第1批.xlsx").write_bytes(b"x")
    with pytest.raises(UnsafeFolder) as e:
        claim_all(inbox, now=NOW + timedelta(days=3650))
    assert str(e.value).startswith(f"拒绝使用文件夹 {inbox / CLAIMED}：它是一个符号链接") and "\n" not in str(e.value)
    assert {p.name: p.read_bytes() for p in side.iterdir()} == before  # same names, same bytes, still there
    assert (inbox / "附表3_清河区_第1批.xlsx").exists() and (inbox / CLAIMED).is_symlink()  # nothing claimed


def _not_root() -> bool:
    return os.geteuid() != 0


@pytest.mark.skipif(
    _not_root(), reason="需要 root 才能把文件夹改为其他用户所有 — NOT ROOT: the ownership test was SKIPPED"
)
def test_a_claimed_folder_owned_by_another_user_is_refused(tmp_path):
    from tasks.intake.inbox import UnsafeFolder

    inbox = tmp_path / "inbox"
    (inbox / CLAIMED).mkdir(parents=True)
    old = inbox / CLAIMED / ("b" * 32)  # a claim with its record, as another user left it
    old.write_bytes(b"theirs")
    old.with_suffix(".json").write_text(json.dumps({"name": "x.xlsx", "claimed_at": "2000-01-01T00:00:00+00:00"}))
    os.chown(inbox / CLAIMED, 65534, 65534)
    (inbox / "附表3_清河区_第1批.xlsx").write_bytes(b"x")
    with pytest.raises(UnsafeFolder, match="属于 uid 65534，不是运行督办系统的用户"):
        claim_all(inbox, now=NOW)
    assert (inbox / "附表3_清河区_第1批.xlsx").exists() and old.read_bytes() == b"theirs"
    assert sorted(p.name for p in (inbox / CLAIMED).iterdir()) == ["b" * 32, "b" * 32 + ".json"]


def test_an_entry_without_its_record_is_never_taken_as_a_stale_claim(tmp_path, caplog):
    claimed = tmp_path / CLAIMED
    claimed.mkdir()
    stray = claimed / ("a" * 32)  # looks like a claim, but no <uuid>.json beside it
    stray.write_bytes(b"not ours")
    other = claimed / "passwd"
    other.write_bytes(b"root")
    for p in (stray, other):
        os.utime(p, (0, 0))
    with caplog.at_level("WARNING", logger="tasks.intake.inbox"):
        assert claim_all(tmp_path, now=NOW + timedelta(days=3650)) == []
    assert stray.read_bytes() == b"not ours" and other.read_bytes() == b"root"
    assert sum("no claim record" in r.message for r in caplog.records) == 2


@pytest.mark.parametrize("folder", ["processed", "failed"])
def test_settling_into_a_linked_folder_is_refused_and_the_claim_stays(tmp_path, folder):
    from tasks.intake.inbox import UnsafeFolder

    home = tmp_path / "home"
    home.mkdir()
    side, before = _planted(tmp_path)
    (home / folder).symlink_to(side)
    (tmp_path / "附表3_清河区_第1批.xlsx").write_bytes(b"x")
    [c] = claim_all(tmp_path, now=NOW)
    with pytest.raises(UnsafeFolder, match=f"拒绝使用文件夹 {home / folder}：它是一个符号链接"):
        settle(c, home, failed=folder == "failed", submission_id=1)
    assert c.path.read_bytes() == b"x" and {p.name: p.read_bytes() for p in side.iterdir()} == before


def test_files_as_a_link_is_refused_before_a_byte_is_written(tmp_path):
    from tasks.intake.folders import UnsafeFolder
    from tasks.intake.keep import keep_bytes

    side, before = _planted(tmp_path)
    (tmp_path / "files").symlink_to(side)
    with pytest.raises(UnsafeFolder, match="它是一个符号链接"):
        keep_bytes(tmp_path / "files", b"new")
    assert {p.name: p.read_bytes() for p in side.iterdir()} == before
    keep_bytes(tmp_path / "own", b"new")  # a folder of its own is made and used
    assert [p.name for p in (tmp_path / "own").iterdir()] == [__import__("hashlib").sha256(b"new").hexdigest()]


def test_a_claimed_path_swapped_for_a_link_mid_run_redirects_nothing(tmp_path):
    """Claims go through the descriptors opened first: the link planted after cannot take them."""
    from tasks.intake.inbox import _claim, claim_folders

    side, before = _planted(tmp_path)
    (tmp_path / "附表3_清河区_第1批.xlsx").write_bytes(b"x")
    with claim_folders(tmp_path) as (box, claimed):
        os.rename(tmp_path / CLAIMED, tmp_path / "moved")
        (tmp_path / CLAIMED).symlink_to(side)
        [c] = _claim(box, claimed, tmp_path / CLAIMED, NOW, timedelta(hours=6), None)
    assert {p.name: p.read_bytes() for p in side.iterdir()} == before
    assert (tmp_path / "moved" / c.path.name).read_bytes() == b"x"


@pytest.mark.skipif(
    _not_root(), reason="需要 root 才能把文件夹改为其他用户所有 — NOT ROOT: the ownership test was SKIPPED"
)
@pytest.mark.parametrize("folder", ["processed", "failed", "files"])
def test_a_work_folder_owned_by_another_user_is_refused(tmp_path, folder):
    from tasks.intake.folders import UnsafeFolder
    from tasks.intake.keep import keep_bytes

    (tmp_path / folder).mkdir()
    os.chown(tmp_path / folder, 65534, 65534)
    (tmp_path / "附表3_清河区_第1批.xlsx").write_bytes(b"x")
    [c] = claim_all(tmp_path, now=NOW)
    with pytest.raises(UnsafeFolder, match=f"拒绝使用文件夹 {tmp_path / folder}：它属于 uid 65534"):
        if folder == "files":
            keep_bytes(tmp_path / folder, b"x")
        else:
            settle(c, tmp_path, failed=folder == "failed", submission_id=1)
    assert c.path.exists() and list((tmp_path / folder).iterdir()) == []


def test_a_claims_folder_others_can_write_to_is_refused(tmp_path):
    """Security review: in a group- or world-writable .claimed anyone could plant a claim and its
    record with an old time (a late file received "on time"): such a folder is refused."""
    from tasks.intake.folders import UnsafeFolder

    (tmp_path / CLAIMED).mkdir()
    os.chmod(tmp_path / CLAIMED, 0o777)
    planted = tmp_path / CLAIMED / ("a" * 32)
    planted.write_bytes(b"late file")
    (tmp_path / CLAIMED / ("a" * 32 + ".json")).write_text(
        json.dumps({"name": "附表3.xlsx", "claimed_at": "2010-01-01T00:00:00+00:00"})
    )
    with pytest.raises(UnsafeFolder, match="其他用户可以写入"):
        claim_all(tmp_path, now=NOW)
    assert planted.read_bytes() == b"late file"  # untouched
    os.chmod(tmp_path / CLAIMED, 0o750)
    assert claim_all(tmp_path / "new", now=NOW) == [] and (tmp_path / "new" / CLAIMED).stat().st_mode & 0o022 == 0
