import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from config.settings import CAMPAIGNS_DIR
from schemas.loading import CampaignError, load_campaign
from tasks.calendar.obligations import build_calendar

pytestmark = [pytest.mark.unit]

HUAIAN = CAMPAIGNS_DIR / "huaian-2010.yaml"


def broken(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(HUAIAN.read_text(encoding="utf-8"))
    edit(data)
    shutil.copytree(CAMPAIGNS_DIR.parent / "forms", tmp_path / "forms", dirs_exist_ok=True)  # what it includes
    (tmp_path / "campaigns").mkdir(exist_ok=True)
    p = tmp_path / "campaigns" / "broken.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def problems(path: Path) -> str:
    with pytest.raises(CampaignError) as e:
        load_campaign(path)
    return str(e.value)


def test_2010_campaign_has_every_unit_and_obligation():
    c = load_campaign(HUAIAN)
    kinds = [u.kind for u in c.units]
    assert (kinds.count("county"), kinds.count("university"), kinds.count("institute")) == (9, 5, 1)
    assert [o.id for o in c.obligations] == [f"O{i}" for i in range(1, 11)]
    assert all(any(ct.role == "head" for ct in u.contacts) for u in c.units)
    assert {g.name for g in c.groups} == {"综合协调组", "项目洽谈组", "专题活动组"}
    assert next(t for t in c.targets if t.key == "key_projects").value == 40


def test_2010_calendar_follows_the_seed():
    rows = build_calendar(load_campaign(HUAIAN))
    due = {(r.obligation, r.period): r.due for r in rows}
    assert due[("O1", "2010")] == date(2010, 6, 30)
    assert due[("O2", "第2批")] == date(2010, 7, 20)
    assert [due[("O4", f"2010-0{m}")] for m in (7, 8, 9)] == [date(2010, m, 20) for m in (7, 8, 9)]
    assert due[("O5", "2010")] == due[("O6", "2010")] == date(2010, 7, 31)
    assert due[("O7", "2010")] == date(2010, 7, 20)
    assert due[("O9", "2010")] == due[("O10", "2010")] == date(2010, 9, 10)
    owners = {r.unit for r in rows if r.obligation == "O1"}
    assert len(owners) == 15
    assert {r.unit for r in rows if r.obligation == "O4"} == {
        "清河区",
        "清浦区",
        "楚州区",
        "淮阴区",
        "涟水县",
        "洪泽县",
        "盱眙县",
        "金湖县",
        "淮安经济开发区",
    }
    assert {r.form for r in rows} <= {
        "contacts",
        "tech-needs",
        "cooperation-deepening",
        "negotiations",
        "key-projects",
        "activity-plan",
        "activity-report",
        "milestones",
        "summary",
    }


def test_second_campaign_runs_with_no_code_change():
    c = load_campaign(CAMPAIGNS_DIR / "self-innovation.yaml")
    rows = build_calendar(c)
    r1 = [r for r in rows if r.obligation == "R1"]
    assert len({r.unit for r in r1}) == 6 and len(r1) == 6 * 72
    feb = sorted({(r.period, r.due) for r in r1 if r.period.startswith("2011-02")})
    assert feb == [("2011-02上", date(2011, 2, 15)), ("2011-02下", date(2011, 2, 28))]
    assert c.ladder_of("R1").grace_working_days == 1


def test_every_mistake_is_reported_with_its_place(tmp_path):
    def edit(d):
        d["obligations"][0]["owners"].append("清江区")  # unknown unit
        d["obligations"][1]["form"] = "no-such-form"
        d["obligations"][2]["schedule"]["end"] = "2010-12"  # Oct–Dec fall outside the campaign
        d["groups"][0]["owns"].remove("O9")  # O9 owned by nobody

    msg = problems(broken(tmp_path, edit))
    assert "broken.yaml" in msg and "4 处问题" in msg
    assert "obligations[0].owners[3]" in msg and "清江区" in msg
    assert "未知表单“no-such-form”" in msg
    assert "2010-10 期截止日 2010-10-20 不在活动期" in msg
    assert "任务 O9 没有任何工作组负责" in msg
    assert "第" in msg and "行" in msg  # line numbers


def test_structural_mistakes_are_named_in_chinese(tmp_path):
    def edit(d):
        d["units"][0].pop("kind")
        d["obligations"][0]["schedule"]["due"] = "六月底"
        d["ladder"]["stepz"] = []

    msg = problems(broken(tmp_path, edit))
    assert "units[0].kind：缺少必填项" in msg
    assert "日期格式应为 YYYY-MM-DD" in msg
    assert "ladder.stepz：未知字段" in msg


def test_a_target_key_that_is_no_key_is_refused_at_load(tmp_path):
    """Its indicator's key is made from it: a key like 2010-13 was a raw pydantic error at the
    first briefing; it is a line of the campaign check now."""

    def edit(d):
        d["targets"][2]["key"] = "2010-13"

    msg = problems(broken(tmp_path, edit))
    assert "targets[2].key：键名（key）只能由小写字母、数字和下划线组成" in msg and "pydantic" not in msg


def test_yaml_syntax_error_and_missing_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: x\n  name: [unclosed\n", encoding="utf-8")
    assert "YAML 格式错误" in problems(p)
    assert "文件不存在" in problems(tmp_path / "nope.yaml")


def test_a_campaign_copied_elsewhere_is_checked_whole(tmp_path):
    """Its include of Duban's own contacts form still resolves, and a broken include is said with
    the file's other mistakes instead of hiding them (issue 24.7)."""
    text = HUAIAN.read_text(encoding="utf-8")
    copied = tmp_path / "mine.yaml"
    copied.write_text(text, encoding="utf-8")
    assert load_campaign(copied).form("contacts").label == "附表2"
    broken = text.replace("include: ../forms/contacts.yaml", "include: ../forms/nowhere.yaml").replace(
        "owners: [county]", "owners: [县区]", 1
    )
    copied.write_text(broken, encoding="utf-8")
    with pytest.raises(CampaignError) as e:
        load_campaign(copied)
    said = "\n".join(e.value.problems)
    assert "nowhere.yaml 文件不存在" in said and "“县区”既不是单位类别也不是单位名称" in said
