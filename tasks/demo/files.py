"""Synthetic files as counties make them (title rows, a 填报单位 line, a note below), per form."""

from __future__ import annotations

import io
import random
from datetime import date

from openpyxl import Workbook

from schemas.campaign import Campaign
from tasks.demo.behaviour import NEW_LIAISON
from tasks.intake.annotate import sheet_title

FIELDS = ["电子信息", "新材料", "先进制造", "节能环保", "现代农业", "盐化工", "食品", "生物医药"]
SCHOOLS = ["淮阴工学院", "淮阴师范学院", "淮安信息职业技术学院", "江苏食品职业技术学院", "南京大学", "东南大学"]


def _mobile(rnd: random.Random) -> str:
    return f"138{rnd.randint(10000000, 99999999)}"


def rows(campaign: Campaign, form: str, unit: str, period: str, rnd: random.Random, *, broken: bool) -> list[list[str]]:
    y = campaign.start.year
    month = int(period[5:7]) if len(period) == 7 and period[4] == "-" else 7
    short = unit.removesuffix("县").removesuffix("区")
    if form == "contacts":
        spec = campaign.unit(unit)
        liaison = next(c for c in spec.contacts if c.role == "liaison")
        head = next(c for c in spec.contacts if c.role == "head")
        new_name, new_email = (NEW_LIAISON[1:] if unit == NEW_LIAISON[0] else (liaison.name, liaison.email))
        out = [[head.name, f"{unit}科技局局长", "组长", "0517-83660000", _mobile(rnd), head.email, ""],
               [new_name, f"{unit}科技局科员", "联络员", "", liaison.mobile or _mobile(rnd), new_email, ""]]
        if broken:
            out[1][2] = "成员"  # no 联络员: rejected
        return out
    if form == "tech-needs":
        out = []
        for i in range(rnd.randint(3, 6)):
            sales = str(rnd.choice([800, 2600, 4500, 12000, 30500]))
            out.append([f"淮安{short}{'华达恒信新宇金源'[i % 4::4][:2]}科技有限公司{i}", "", sales, rnd.choice(["是", "否"]) if sales != "800" else "是",
                        f"{rnd.choice(FIELDS)}关键工艺{i}", rnd.choice(["技术难题", "技术需求"]), rnd.choice(FIELDS),
                        "现有生产线良品率偏低，需要在材料配方和工艺参数上与高校联合攻关，形成可量产的改进方案",
                        rnd.choice(["合作开发", "委托开发", "技术转让"]), rnd.choice(SCHOOLS), "王工", "0517-8366" + str(rnd.randint(1000, 9999))])
        if broken:
            out[0][2] = "0.3亿"
        return out
    if form == "cooperation-deepening":
        return [[f"淮安{short}重点企业{i}", rnd.choice(SCHOOLS), "项目合作", rnd.choice(["长期合作", "共建研发机构", "人才合作"]),
                 "双方已完成联合实验室方案论证", "是" if i == 0 else "否", f"{y}-{month:02d}-0{i + 3}" if i == 0 else "", ""]
                for i in range(2)] if not broken else [["", "淮阴工学院", "项目合作", "长期合作", "进行中", "是", "", ""]]
    if form == "negotiations":
        out = []
        for i in range(rnd.randint(3, 5)):
            signed = rnd.random() < 0.4
            out.append([f"{short}产学研项目{month}-{i}", f"淮安{short}企业{i}", rnd.choice(SCHOOLS), f"{y}-{month:02d}-02",
                        "已签约" if signed else "洽谈中", f"{y}-{month:02d}-1{i}" if signed else "",
                        str(rnd.randint(50, 800)) if signed else "", "合作开发", "是" if signed and rnd.random() < 0.15 else "否", ""])
        if broken:
            out[0][4], out[0][5], out[0][6] = "已签约", "", ""
        return out
    if form == "key-projects":
        return [[f"{short}重点项目{i}", f"淮安{short}企业{i}", rnd.choice(SCHOOLS), rnd.choice(FIELDS),
                 rnd.choice(["1", "1,2", "②③", "3"]), "0.3亿" if broken and i == 0 else str(rnd.randint(300, 3000)),
                 rnd.choice(["已准备", "已准备", "未准备"]), "李总", _mobile(rnd)] for i in range(rnd.randint(2, 4))]
    if form == "activity-plan":
        return [[f"{short}产学研专题对接会{i + 1}", "新材料产业对接", f"{y}-0{8 + i}-1{i + 2}", f"{short}会展中心", f"{unit}科技局",
                 "淮阴工学院", str(rnd.randint(20, 80)), "王工", "0517-83660000"] for i in range(rnd.randint(1, 2))]
    if form == "activity-report":
        return [[f"{short}产学研专题对接会{i + 1}", f"{y}-10-08" if broken else f"{y}-0{8 + i}-1{i + 2}", f"{short}会展中心",
                 str(rnd.randint(20, 80)), str(rnd.randint(2, 8)), str(rnd.randint(3, 15)), str(rnd.randint(0, 6))]
                for i in range(rnd.randint(1, 2))]
    if form == "milestones":
        return [["网络平台建设", "已完成", "" if broken else f"{y}-07-2{rnd.randint(0, 8)}", f"http://{short}.kj.example.cn", ""],
                ["科技成果转化服务中心", rnd.choice(["已完成", "未完成"]), f"{y}-07-25", "", ""]]
    raise ValueError(form)


def workbook(campaign: Campaign, form: str, unit: str, period: str, day: date, data: list[list[str]]) -> bytes:
    spec = campaign.form(form)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(spec.label)
    when = f"（{period[:4]}年{int(period[5:7])}月）" if len(period) == 7 and period[4] == "-" else (f"（{period}）" if "批" in period else "")
    ws.append([f"{spec.label}：{campaign.name}{spec.title}{when}"])
    ws.append([f"填报单位（盖章）：{unit}科技局      填报日期：{day.year}年{day.month}月{day.day}日"])
    ws.append(["序号", *(c.template_header for c in spec.columns)])
    for i, r in enumerate(data, 1):
        ws.append([i, *r])
    ws.append([])
    ws.append(["填表说明：请于截止日期前报送组委会。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_text(campaign: Campaign, unit: str) -> bytes:
    return (f"{unit}{campaign.name}活动总结\n\n一、基本情况\n本单位按照组委会部署，组织企业开展技术需求排查、"
            f"产学研对接和专题活动……\n二、主要成效\n三、存在问题和下一步打算\n").encode()
