"""Claiming the inbox: each file once, and nothing stranded by a run that died."""

import time

from tasks.intake.inbox import CLAIMED, claim_all


def test_each_file_is_claimed_once_and_keeps_its_name(tmp_path):
    for name in ("附表3_淮阴区_第1批.xlsx", "附表5_清河区.csv"):
        (tmp_path / name).write_bytes(b"x")
    first, second = claim_all(tmp_path), claim_all(tmp_path)
    assert sorted(name for _, name in first) == ["附表3_淮阴区_第1批.xlsx", "附表5_清河区.csv"]
    assert second == []
    assert all(p.parent.name == CLAIMED and p.exists() for p, _ in first)


def test_a_claim_left_by_a_dead_run_is_taken_again_later(tmp_path):
    (tmp_path / "附表2_金湖县.xlsx").write_bytes(b"x")
    [(left, name)] = claim_all(tmp_path)  # ...and the run dies before settling it
    assert claim_all(tmp_path, now=time.time() + 60) == []  # a live run may still be working on it
    [(again, again_name)] = claim_all(tmp_path, now=time.time() + 7 * 3600)
    assert again_name == name == "附表2_金湖县.xlsx" and again.exists() and not left.exists()
