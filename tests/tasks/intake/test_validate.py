"""Row-level verdicts: the Excel row a person sees, the header as written, a Chinese reason."""

from datetime import date

import pytest

from config.settings import CAMPAIGNS_DIR
from schemas.loading import load_campaign
from tasks.intake.validate import inspect_file
from tests.tasks.intake.files import messy_workbook, need_row

pytestmark = [pytest.mark.integration]

CAMPAIGN = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")


def judge(form, rows, name="x.xlsx", received=date(2010, 7, 1), **kw):
    return inspect_file(messy_workbook(form, rows, **kw), name, CAMPAIGN, received=received)


def by_code(v):
    return {i.code: i for i in v.issues}


def test_the_issue_example():
    v = judge("tech-needs", [need_row(0), need_row(1, sales_wan="0.3亿")])
    issue = by_code(v)["bad-money"]
    assert issue.message == "第7行“上年销售收入（万元）”应填写以万元为单位的数字，当前为“0.3亿”"
    assert (issue.sheet, issue.row, issue.column, issue.severity) == ("Sheet1", 7, "上年销售收入（万元）", "error")
    assert v.status == "rejected"


def test_required_choices_phones_and_codes():
    v = judge(
        "tech-needs", [need_row(0, contact="无", need_type="难题", phone="83660000", org_code="91320800MA1M8ABC01")]
    )
    codes = by_code(v)
    assert codes["required"].message == "第5行“联系人”为必填项，不能为空"
    assert "应为“技术难题、技术需求”之一，当前为“难题”" in codes["not-in-list"].message
    assert codes["bad-phone"].column == "联系电话"
    assert codes["bad-credit-check"].row == 5


def test_warnings_do_not_reject():
    v = judge("tech-needs", [need_row(0, description="散热问题", is_tech_enterprise="否", sales_wan="1500")])
    assert v.status == "accepted"
    assert {i.code for i in v.warnings} == {"not-refined", "out-of-scope", "period-assumed"}
    assert v.issues[-1].code == "period-assumed" and v.period == "第1批"  # no batch named: received 07-01
    assert "未写明报送期次，已按收到日期视为第1批" in v.issues[-1].message


def test_duplicate_need_in_one_file():
    v = judge("tech-needs", [need_row(0), need_row(0)])
    assert by_code(v)["duplicate-row"].message.startswith("第7行“需求名称”与第5行重复")


def test_missing_and_extra_columns(tmp_path):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["附表3：技术难题和需求征集表"])
    ws.append(["填报单位：金湖县"])
    ws.append(["企业名称", "需求名称", "需求描述", "联系人", "自定义列"])
    ws.append(["某公司", "某需求", "一个足够长的需求描述，超过了二十个字符的要求。。", "李四", "x"])
    buf = io.BytesIO()
    wb.save(buf)
    v = inspect_file(buf.getvalue(), "x.xlsx", CAMPAIGN, received=date(2010, 7, 1))
    codes = by_code(v)
    assert "“上年销售收入（万元）”" in codes["missing-columns"].message
    assert codes["extra-column"].column == "自定义列" and codes["extra-column"].severity == "warning"


def test_a_monthly_form_without_a_month_is_the_month_it_arrived_in():
    row = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-08-05", "洽谈中", "", "", "合作开发", "否", ""]
    v = inspect_file(messy_workbook("negotiations", [row]), "动态表.xlsx", CAMPAIGN, received=date(2010, 8, 25))
    assert v.period == "2010-08" and v.status == "accepted"  # late for August, not early for September
    assert "视为2010年8月的报表" in v.issues[-1].message


def test_identification_from_file_name_and_title():
    v = judge("negotiations", [], title="附表5：对接洽谈及签约项目动态表（2010年8月）", unit="楚州区")
    assert (v.form, v.unit, v.period) == ("negotiations", "楚州区", "2010-08")
    v = judge("tech-needs", [need_row(0)], name="附表3_淮阴区_第2批.xlsx", unit="淮阴区")
    assert v.period == "第2批"
    # no batch named: the open batch on the day the file came
    assert judge("tech-needs", [need_row(0)], received=date(2010, 7, 10)).period == "第2批"


def test_cross_column_rules_of_the_monthly_forms():
    row = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-08-05", "已签约", "2010-08-01", "", "合作开发", "否", ""]
    v = judge("negotiations", [row], title="附表5 对接洽谈及签约项目动态表 2010年8月")
    codes = by_code(v)
    assert "不能早于对接时间" in codes["date-order"].message
    assert "大于0的合同金额" in codes["amount-required"].message
    row = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-08-05", "已签约", "2010-09-02", "120", "合作开发", "否", ""]
    v = judge("negotiations", [row], title="附表5 对接洽谈及签约项目动态表 2010年8月")
    assert "晚于本期报告月份" in by_code(v)["after-period"].message


def test_contacts_whole_file_rules():
    rows = [["张三", "科技局局长", "成员", "0517-83660000", "13805170101", "", ""]]
    v = judge("contacts", rows)
    msgs = [i.message for i in v.errors]
    assert "本表“组内分工”至少需要一名组长" in msgs and "本表“组内分工”至少需要一名联络员" in msgs
    rows = [
        ["张三", "科技局局长", "组长", "", "13805170101", "", ""],
        ["李四", "科技局科员", "联络员", "", "13805170102", "lisi@example.cn", ""],
    ]
    v = judge("contacts", rows)
    assert [i.code for i in v.errors] == ["email-required"]


def test_key_project_criteria_and_activity_window():
    v = judge("key-projects", [["项目", "企业", "淮阴工学院", "盐化工", "①③", "500", "未准备", "王五", "13805170101"]])
    assert v.status == "accepted" and v.records[0]["criteria"] == "1,3"
    assert [i.code for i in v.warnings] == ["agreement-missing"]
    v = judge("activity-report", [["对接会", "2010-10-08", "清河区", "30", "5", "8", "2"]])
    assert by_code(v)["outside-window"].severity == "error"


@pytest.mark.parametrize(
    ("texts", "period"),
    [
        (["附表4_清河区_8月.xlsx"], "2010-08"),
        (["附表5 清浦区 2010.08.xls"], "2010-08"),
        (["附表5：对接洽谈及签约项目动态表（2010年8月份）"], "2010-08"),
        (["填报单位：涟水县  填报日期：2010年7月15日", "附表4_八月份.xlsx"], "2010-08"),
        (["附表3_淮阴区_第一批.csv"], "第1批"),
        (["附表3 第 2 批"], "第2批"),
        (["截至8月20日的进展"], None),
        (["填报日期：2010年7月15日"], None),
    ],
)
def test_period_named_in_title_or_file_name(texts, period):
    from tasks.intake.identify import period_hint

    assert period_hint(texts, 2010) == period
