"""The forms units fill in (FORMS.md), as declarative column specs.

Headers are the contract: a file is matched to a form by its title and headers. The
Great Expectations suites (`tasks/intake/suites.py`) and the blank templates are built from
these specs; nothing about a form is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "money", "int", "date", "enum", "phone", "mobile", "landline", "email", "credit", "flag", "criteria"]

YES_NO = ("是", "否")
MODES = ("技术转让", "合作开发", "委托开发", "共建研发机构", "技术咨询", "其他")
FIELDS = ("电子信息", "生物医药", "新材料", "先进制造", "新能源", "节能环保", "现代农业", "盐化工", "食品", "其他")


@dataclass(frozen=True)
class Col:
    header: str  # as in the bureau's template, without the unit in brackets
    key: str  # attribute name in schemas/rows.py
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""  # shown in brackets in templates, e.g. 万元
    aliases: tuple[str, ...] = ()

    @property
    def template_header(self) -> str:
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class FormSpec:
    code: str
    label: str  # 附表3
    title: str
    columns: tuple[Col, ...] = ()
    document: bool = False  # a summary document, not a table
    notes: tuple[str, ...] = field(default=())

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)


FORMS: dict[str, FormSpec] = {
    f.code: f
    for f in (
        FormSpec(
            "contacts", "附表2", "组织机构人员名单及联系方式",
            (
                Col("姓名", "name", required=True),
                Col("单位及职务", "position", required=True),
                Col("组内分工", "role", "enum", True, ("组长", "副组长", "成员", "联络员")),
                Col("办公电话", "phone", "landline"),
                Col("手机", "mobile", "mobile", True),
                Col("电子邮箱", "email", "email", aliases=("邮箱", "E-mail", "Email")),
                Col("备注", "note"),
            ),
            notes=("至少填写一名组长和一名联络员；组长和联络员须填写电子邮箱。",),
        ),
        FormSpec(
            "tech-needs", "附表3", "技术难题和需求征集表",
            (
                Col("企业名称", "enterprise", required=True),
                Col("统一社会信用代码", "credit_code", "credit"),
                Col("上年销售收入", "sales_wan", "money", True, unit="万元"),
                Col("是否科技型企业", "is_tech_enterprise", "flag", True, YES_NO),
                Col("需求名称", "need_name", required=True),
                Col("需求类别", "need_type", "enum", True, ("技术难题", "技术需求")),
                Col("所属领域", "field", "enum", True, FIELDS),
                Col("需求描述", "description", required=True),
                Col("拟合作方式", "cooperation_mode", "enum", True, MODES),
                Col("意向合作高校院所", "target_institution"),
                Col("联系人", "contact", required=True),
                Col("联系电话", "phone", "phone", True),
            ),
            notes=("年销售收入2000万元以上企业和科技型企业每家至少提出1-2项技术需求，需求描述应凝练到高校院所可以对接的程度。",),
        ),
        FormSpec(
            "cooperation-deepening", "附表4", "重点企业产学研合作深化情况表",
            (
                Col("企业名称", "enterprise", required=True),
                Col("合作高校院所", "institution", required=True),
                Col("原合作形式", "original_form", "enum", True, ("临时合作", "项目合作")),
                Col("深化方向", "direction", "enum", True,
                    ("长期合作", "全面合作", "人才合作", "共建研发机构", "校企战略联盟", "产业技术联盟")),
                Col("进展情况", "progress", required=True),
                Col("是否签订协议", "agreement_signed", "flag", True, YES_NO),
                Col("协议签订日期", "agreement_date", "date"),
                Col("备注", "note"),
            ),
        ),
        FormSpec(
            "negotiations", "附表5", "对接洽谈及签约项目动态表",
            (
                Col("项目名称", "project", required=True),
                Col("企业名称", "enterprise", required=True),
                Col("合作高校院所", "institution", required=True),
                Col("对接时间", "contact_date", "date", True),
                Col("项目状态", "status", "enum", True, ("洽谈中", "已签约", "已终止")),
                Col("签约时间", "signed_date", "date"),
                Col("合同金额", "amount_wan", "money", unit="万元"),
                Col("合作方式", "cooperation_mode", "enum", True, MODES),
                Col("是否院士团队", "academician", "flag", True, YES_NO),
                Col("备注", "note"),
            ),
        ),
        FormSpec(
            "key-projects", "附表6", "重点签约项目推荐表",
            (
                Col("项目名称", "project", required=True),
                Col("企业名称", "enterprise", required=True),
                Col("合作单位", "partner", required=True),
                Col("所属产业", "industry", required=True),
                Col("符合条件", "criteria", "criteria", True),
                Col("合同金额", "amount_wan", "money", True, unit="万元"),
                Col("协议文本", "agreement_ready", "flag", True, ("已准备", "未准备")),
                Col("签约代表", "representative", required=True),
                Col("联系电话", "phone", "phone", True),
            ),
            notes=("符合条件填1、2、3中的一项或多项：1 高新技术方向；2 与重点高校院所或院士团队深度合作；3 引进研发机构或建设重大公共服务平台。",),
        ),
        FormSpec(
            "activity-plan", "专题活动方案", "专题活动方案",
            (
                Col("活动名称", "name", required=True),
                Col("活动主题", "theme", required=True),
                Col("计划时间", "planned_date", "date", True),
                Col("地点", "place", required=True),
                Col("牵头单位", "lead_unit", required=True),
                Col("参与高校院所", "institutions"),
                Col("预计参加企业数", "expected_enterprises", "int", True),
                Col("联系人", "contact", required=True),
                Col("联系电话", "phone", "phone", True),
            ),
        ),
        FormSpec(
            "activity-report", "专题活动举办情况", "专题活动举办情况",
            (
                Col("活动名称", "name", required=True),
                Col("举办时间", "held_date", "date", True),
                Col("地点", "place", required=True),
                Col("参加企业数", "enterprises", "int", True),
                Col("参加高校院所数", "institutions", "int", True),
                Col("达成合作意向数", "intentions", "int", True),
                Col("签约项目数", "signed_projects", "int", True),
            ),
        ),
        FormSpec(
            "milestones", "平台建设", "平台建设完成情况",
            (
                Col("事项", "item", "enum", True, ("网络平台建设", "科技成果转化服务中心")),
                Col("完成情况", "done", "flag", True, ("已完成", "未完成")),
                Col("完成日期", "done_date", "date"),
                Col("网址或佐证材料", "evidence"),
                Col("说明", "note"),
            ),
        ),
        FormSpec("summary", "活动总结", "科洽会活动总结", document=True),
    )
}
