"""Briefing figures against a hand count, and a briefing delivered through a real SMTP server."""

from datetime import date, datetime

import pytest

from tasks.briefing.figures import gather, schedule
from tasks.briefing.job import compile_briefing, queue_delivery
from tasks.briefing.metrics import UnitFigures, ranking
from tasks.intake.service import submit_file
from tasks.reminders.job import sweep_day
from tests.tasks.intake.files import messy_workbook, need_row, write

CONTACTS = [
    ["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""],
    ["钱科长", "科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
]


@pytest.fixture
def july(mail_app, tmp_path):
    def sub(name, data, when):
        from tasks.contacts.changes import decide

        r = submit_file(mail_app, write(tmp_path, name, data), received_at=when)
        if r.contact_change:  # ops approve each new contact list the same day
            with mail_app.store.session(write=True) as s:
                decide(s, r.contact_change, approve=True, by="综合协调组", comment="", now=when)
        return r

    assert (
        sub("附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"), datetime(2010, 6, 25, 10)).status
        == "accepted"
    )
    assert (
        sub(
            "附表2_清浦区.xlsx", messy_workbook("contacts", CONTACTS[:1], unit="清浦区"), datetime(2010, 6, 29, 10)
        ).status
        == "rejected"
    )
    assert (
        sub(
            "附表2_清浦区_改.xlsx", messy_workbook("contacts", CONTACTS, unit="清浦区"), datetime(2010, 7, 1, 10)
        ).status
        == "accepted"
    )
    assert (
        sub("附表2_楚州区.xlsx", messy_workbook("contacts", CONTACTS, unit="楚州区"), datetime(2010, 7, 5, 10)).status
        == "accepted"
    )
    needs = messy_workbook("tech-needs", [need_row(1), need_row(2)], unit="淮阴区")
    assert sub("附表3_淮阴区_第1批.xlsx", needs, datetime(2010, 7, 2, 10)).status == "accepted"
    sweep_day(mail_app, date(2010, 7, 1))  # escalation 1 for the O1 laggards
    return mail_app


def test_every_figure_matches_a_hand_count(july):
    with july.store.session() as s:
        d = gather(s, july.campaign, date(2010, 7, 6))
    by = {u.unit: u for u in d.units}
    assert len(d.units) == 15  # every unit appears
    assert (by["清河区"].expected, by["清河区"].received, by["清河区"].on_time, by["清河区"].missing) == (2, 1, 1, 1)
    assert (by["清浦区"].on_time, by["清浦区"].files, by["清浦区"].rejected) == (1, 2, 1)  # corrected within grace
    assert (by["楚州区"].late, by["楚州区"].on_time) == (1, 0)
    assert (by["淮阴区"].received, by["淮阴区"].on_time) == (1, 1)
    assert (by["淮阴工学院"].expected, by["淮阴工学院"].missing) == (1, 1)
    assert (d.totals["expected"], d.totals["received"], d.totals["on_time"]) == (24, 4, 3)
    assert len(d.overdue) == 12 + 8
    o1 = {o.unit: o for o in d.overdue if o.obligation == "O1"}
    assert o1["金湖县"].days_late == 6 and o1["金湖县"].level == 1 and "清河区" not in o1
    assert {o.days_late for o in d.overdue if o.obligation == "O2"} == {1}
    figs = {f.value.key: f.value.value for f in d.figures}
    assert (figs["needs"], figs["need_enterprises"], figs["key_projects"]) == (2, 2, 0)
    assert next(f for f in d.figures if f.value.key == "key_projects").target.value == 40


@pytest.mark.unit
def test_briefing_days_follow_the_monthly_deadline_and_grace():
    from config.settings import CAMPAIGNS_DIR
    from schemas.loading import load_campaign

    c = load_campaign(CAMPAIGNS_DIR / "huaian-2010.yaml")
    # O4 due 07-20, 08-20, 09-20; two working days' grace; the next working day
    assert schedule(c) == [date(2010, 7, 23), date(2010, 8, 25), date(2010, 9, 26)]


@pytest.mark.unit
def test_ranking_shows_its_parts():
    units = [
        UnitFigures("甲", "county", expected=4, received=4, on_time=4, files=4),
        UnitFigures("乙", "county", expected=4, received=2, on_time=1, files=4, rejected=2),
    ]
    scores = ranking(
        units, {"甲": 10, "乙": 20}, {"timeliness": 0.3, "completeness": 0.3, "quality": 0.15, "outcomes": 0.25}
    )
    assert [s.unit for s in scores] == ["甲", "乙"]
    assert scores[0].parts == {"timeliness": 1.0, "completeness": 1.0, "quality": 1.0, "outcomes": 0.5}
    assert scores[0].total == 87.5 and scores[1].total == pytest.approx(
        100 * (0.3 * 0.25 + 0.3 * 0.5 + 0.15 * 0.5 + 0.25)
    )


def test_a_briefing_reaches_leaders_with_images_that_resolve(july, smtp, tmp_path):
    smtp.received.clear()
    c = compile_briefing(july, date(2010, 7, 23), out=tmp_path / "brief")
    assert c.pdf.read_bytes().startswith(b"%PDF") and (tmp_path / "brief" / "completeness.png").exists()
    # 4 leaders + 9 county heads, of whom 3 are now the same person (赵局长, from three 附表2): 11 mails
    assert queue_delivery(july, c, now=datetime(2010, 7, 23, 10)) == 11
    assert queue_delivery(july, c, now=datetime(2010, 7, 23, 11)) == 0  # exactly once
    from tasks.outbox.send import send_queued

    send_queued(july, now=datetime(2010, 7, 23, 10))
    mails = [m for m in smtp.received if "督查简报" in str(m["Subject"])]
    assert len(mails) == 11
    m = next(x for x in mails if x["X-Envelope-To"] == "zhao@example.cn")  # 清河区's new head, from its 附表2
    html = m.get_body(("html",)).get_content()
    cids = {p["Content-ID"].strip("<>") for p in m.walk() if p["Content-ID"]}
    referenced = {part.split('"')[0] for part in html.split('src="cid:')[1:]}
    assert referenced and referenced <= cids
    assert any(p.get_filename() == "第九届淮安科技洽谈会督查简报（第1期）.pdf" for p in m.walk())
    assert "金湖县" in html and "<script" not in html


@pytest.mark.unit
def test_the_overdue_list_reads_by_unit_in_the_campaigns_order():
    from tasks.briefing.metrics import Overdue, overdue_by_unit

    items = [
        Overdue("甲", "O4", "negotiations", "2010-08", date(2010, 8, 20), 1, 0),
        Overdue("乙", "O1", "contacts", "", date(2010, 6, 30), 9, 2),
        Overdue("甲", "O4", "negotiations", "2010-07", date(2010, 7, 20), 3, 1),
    ]
    assert [(u, [o.period for o in xs]) for u, xs in overdue_by_unit(items, ["甲", "乙"])] == [
        ("甲", ["2010-07", "2010-08"]),
        ("乙", [""]),
    ]


def test_many_units_get_one_readable_chart_per_page(july):
    from tasks.briefing import render
    from tasks.briefing.metrics import UnitFigures

    with july.store.session() as s:
        d = gather(s, july.campaign, date(2010, 7, 6))
    d.units = [UnitFigures(f"单位{i:03d}", "county", expected=2, received=1, on_time=1) for i in range(80)]
    c = render.charts(d)
    assert len(c.completeness) == 3 and c.names()["completeness"] == [
        "completeness",
        "completeness-2",
        "completeness-3",
    ]
    m = render.email(d, c, b"%PDF-")
    assert {cid for cid, _, _ in m.inline} == {
        f"{n}-monthly-{d.number}@duban"
        for n in ["completeness", "completeness-2", "completeness-3", *c.names()["trends"]]
    }
    assert all(f'src="cid:{cid}"' in m.html for cid, _, _ in m.inline)


def test_a_chart_without_data_says_so_instead_of_drawing_an_empty_axis():
    from tasks.briefing.charts import completeness_chart, drawable, trend_chart

    assert not drawable([]) and not drawable([("7月", 0.0), ("8月", 0.0)])
    assert drawable([("7月", 0.0)], target=10) and drawable([("7月", 3.0)])
    assert not drawable([("7月", 0.0)], milestones=[("年中", 0.0)])
    for png in (trend_chart("签约项目", "个", [("7月", 0.0), ("8月", 0.0)]), completeness_chart([], [], [])):
        assert png.startswith(b"\x89PNG")
