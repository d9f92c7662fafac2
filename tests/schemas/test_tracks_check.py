"""`duban check` on what a campaign declares about matters: a form's `tracks:` names its own
columns, dates where dates are meant; `matters.group` names a group; `demo.matters` name units and
are due after they are assigned. Each problem is said in Chinese at its line of the YAML."""

from pathlib import Path

import pytest
import yaml

from schemas.loading import CampaignError, check_campaign, load_campaign
from tests import TEST_DATA

pytestmark = [pytest.mark.unit]

LEDGER = TEST_DATA / "campaigns" / "ledger.yaml"


def broken(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(LEDGER.read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "broken.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def problems(path: Path) -> str:
    with pytest.raises(CampaignError) as e:
        load_campaign(path)
    return str(e.value)


def _tracks(data: dict) -> dict:
    return data["forms"][0]["tracks"]


def test_the_ledger_campaign_checks_clean():
    campaign, notes = check_campaign(LEDGER)
    assert notes == []
    assert campaign.form("rectify-ledger").tracks.id == ("issue",)


def test_tracks_name_the_forms_own_columns(tmp_path):
    def edit(d: dict) -> None:
        _tracks(d).update(id=["problem"], status="state")

    said = problems(broken(tmp_path, edit))
    assert "表单“rectify-ledger”没有列“problem”" in said and "没有列“state”" in said
    assert "第" in said and "行" in said  # at its line of the YAML


def test_deadline_and_done_date_are_date_columns(tmp_path):
    def edit(d: dict) -> None:
        _tracks(d).update(deadline="measure", done_date="person")

    said = problems(broken(tmp_path, edit))
    assert "作为完成时限的列“整改措施”须为日期列" in said
    assert "作为完成日期的列“责任人”须为日期列" in said


def test_matters_group_names_a_group(tmp_path):
    said = problems(broken(tmp_path, lambda d: d["matters"].update(group="no-such-group")))
    assert "督办事项的工作组“no-such-group”不存在（groups 中已定义：rectify-group）" in said


def test_demo_matters_name_units_and_are_due_after_assignment(tmp_path):
    def edit(d: dict) -> None:
        m = d["demo"]["matters"][0]
        m.update(units=["工业园区", "县水利局"], due="2014-03-01", late=["局计划股"])

    said = problems(broken(tmp_path, edit))
    assert "单位“县水利局”不存在" in said and "工业园区" not in said.split("县水利局")[0][-10:]
    assert "完成时限 2014-03-01 早于交办日期 2014-03-10" in said
    assert "“局计划股”不是演示督办事项" in said
