"""Keeping and storing, on SQLite and PostgreSQL: nothing lost, nothing counted twice."""

import hashlib
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from schemas.rows import FormRow
from schemas.tables import ContactList, Submission, Unit
from tasks.calendar.status import status_rows
from tasks.intake.keep import kept_path
from tasks.intake.service import submit_file
from tests.tasks.intake.files import messy_workbook, need_row, write

pytestmark = [pytest.mark.integration]

TechNeed = FormRow  # the rows of 附表3 are form_row rows with form = tech-needs (the only rows these tests store)


def current(app, form):  # type: ignore[no-untyped-def]
    from tasks.intake.rows import current_rows

    with app.store.session() as s:
        return current_rows(s, app.campaign.form(form), app.campaign.id)


NEG = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-08-05", "洽谈中", "", "", "合作开发", "否", ""]


def test_every_file_is_kept_byte_for_byte_whatever_its_fate(app, tmp_path):
    for name, data in [
        ("空.xlsx", b""),
        ("乱码.xlsx", b"\x00garbage" * 10),
        ("好.xlsx", messy_workbook("tech-needs", [need_row(0)])),
    ]:
        r = submit_file(app, write(tmp_path, name, data), received_at=datetime(2010, 7, 1, 9))
        with app.store.session() as s:
            sub = s.get(Submission, r.submission_id)
        assert kept_path(app.settings.files_dir, sub.sha256).read_bytes() == data
        assert (app.settings.home / "files" / hashlib.sha256(data).hexdigest()).read_bytes() == data
        assert sub.filename == name and sub.size == len(data)
    with app.store.session() as s:
        assert [x.status for x in s.scalars(select(Submission).order_by(Submission.id))] == [
            "unreadable",
            "unreadable",
            "accepted",
        ]


def test_same_bytes_twice_is_a_duplicate_not_counted_twice(app, tmp_path):
    p = write(tmp_path, "附表3.xlsx", messy_workbook("tech-needs", [need_row(0), need_row(1)]))
    first = submit_file(app, p, received_at=datetime(2010, 7, 1, 9))
    again = submit_file(app, p, received_at=datetime(2010, 7, 2, 9))
    assert (first.status, again.status) == ("accepted", "duplicate")
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TechNeed)) == 2
        assert s.get(Submission, again.submission_id).duplicate_of == first.submission_id


def test_a_later_batch_corrects_an_earlier_row(app, tmp_path):
    submit_file(
        app,
        write(tmp_path, "第1批.xlsx", messy_workbook("tech-needs", [need_row(0), need_row(1)])),
        received_at=datetime(2010, 7, 1, 9),
    )
    submit_file(
        app,
        write(tmp_path, "第2批.xlsx", messy_workbook("tech-needs", [need_row(1, sales_wan="9999"), need_row(2)])),
        received_at=datetime(2010, 7, 15, 9),
    )
    rows = sorted(current(app, "tech-needs"), key=lambda r: r["enterprise"])
    assert [(r["enterprise"][-1], r["sales_wan"], r["period"]) for r in rows] == [
        ("司", 2500.0, "第1批"),
        ("1", 9999.0, "第2批"),
        ("2", 2500.0, "第2批"),
    ]
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TechNeed)) == 4  # history kept


def test_monthly_resubmission_replaces_the_earlier_version(app, tmp_path):
    title = "附表5：对接洽谈及签约项目动态表（2010年8月）"
    a = submit_file(
        app,
        write(tmp_path, "a.xlsx", messy_workbook("negotiations", [NEG, NEG[:1] + ["其他企业"] + NEG[2:]], title=title)),
        received_at=datetime(2010, 8, 18, 9),
    )
    b = submit_file(
        app,
        write(tmp_path, "b.xlsx", messy_workbook("negotiations", [NEG], title=title)),
        received_at=datetime(2010, 8, 19, 9),
    )
    with app.store.session() as s:
        assert s.get(Submission, a.submission_id).superseded_by == b.submission_id
        rows = s.scalars(select(FormRow).where(FormRow.form == "negotiations", FormRow.current.is_(True))).all()
        assert [n.submission_id for n in rows] == [b.submission_id]
        row = next(
            r
            for r in status_rows(s, app.campaign, date(2010, 8, 25))
            if r.unit == "清河区" and r.period == "2010-08" and r.obligation == "O4"
        )
        assert row.state.value == "accepted_on_time" and row.submitted_at == datetime(2010, 8, 18, 9)


def test_accepted_contacts_that_change_who_gets_mail_wait_for_ops_then_become_the_current_list(app, tmp_path):
    from tasks.contacts.changes import decide

    rows = [
        ["赵局长", "清河区科技局局长", "组长", "0517-83660000", "13805170201", "zhao@example.cn", ""],
        ["钱科长", "清河区科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
    ]
    r = submit_file(
        app, write(tmp_path, "附表2.xlsx", messy_workbook("contacts", rows)), received_at=datetime(2010, 6, 25, 9)
    )
    assert r.status == "accepted" and r.contact_change is not None, r.verdict.issues

    def lists():
        with app.store.session() as s:
            unit = s.scalar(select(Unit).where(Unit.name == "清河区"))
            found = s.scalars(
                select(ContactList).where(ContactList.unit_id == unit.id).order_by(ContactList.version)
            ).all()
            return [(x.version, x.source, x.current, {(c.role, c.email) for c in x.contacts}) for x in found]

    assert [x[:3] for x in lists()] == [(1, "config", True)]  # held: nothing changed yet
    with app.store.session(write=True) as s:
        decide(s, r.contact_change, approve=True, by="综合协调组", comment="电话核实", now=datetime(2010, 6, 26, 9))
    after = lists()
    assert [x[:3] for x in after] == [(1, "config", False), (2, "submission", True)]
    assert after[1][3] == {("head", "zhao@example.cn"), ("liaison", "qian@example.cn")}


def test_contacts_that_keep_every_mail_address_apply_at_once(app, tmp_path):
    rows = [
        ["李建国", "清河区科技局局长", "组长", "0517-83660000", "13805170201", "qinghe.head@example.cn", ""],
        ["王晓明", "清河区科技局科员", "联络员", "", "13905170299", "qinghe.liaison@example.cn", "换了手机"],
    ]
    r = submit_file(
        app, write(tmp_path, "附表2.xlsx", messy_workbook("contacts", rows)), received_at=datetime(2010, 6, 25, 9)
    )
    assert r.status == "accepted" and r.contact_change is None
    with app.store.session() as s:
        unit = s.scalar(select(Unit).where(Unit.name == "清河区"))
        current = s.scalars(
            select(ContactList).where(ContactList.unit_id == unit.id, ContactList.current.is_(True))
        ).one()
        assert current.version == 2 and {c.mobile for c in current.contacts} >= {"13905170299"}


def test_rejected_file_gets_an_annotated_copy_and_a_summary(app, tmp_path):
    from openpyxl import load_workbook

    r = submit_file(
        app,
        write(tmp_path, "x.xlsx", messy_workbook("tech-needs", [need_row(0, sales_wan="0.3亿")])),
        received_at=datetime(2010, 7, 1, 9),
    )
    assert r.status == "rejected" and r.annotated is not None
    wb = load_workbook(r.annotated)
    assert wb.sheetnames[0] == "校验结果"
    cell = wb["Sheet1"]["D5"]  # 上年销售收入 of the first record
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "0.3亿" in cell.comment.text
    with app.store.session() as s:
        text = s.get(Submission, r.submission_id).summary
    assert text.startswith("清河区报送的《技术难题和需求征集表》（第1批）未通过校验：1 处错误")


def test_the_same_bytes_arriving_at_once_are_counted_once(app, tmp_path):
    """Four intakes of one file at the same moment: one counts, three are duplicates
    (BEGIN IMMEDIATE on SQLite, a transaction-scoped advisory lock on PostgreSQL)."""
    import threading

    p = write(tmp_path, "附表3_洪泽县.xlsx", messy_workbook("tech-needs", [need_row(0)], unit="洪泽县"))
    start = threading.Barrier(4)
    results = []

    def one() -> None:
        start.wait()
        results.append(submit_file(app, p, received_at=datetime(2010, 7, 1, 9)).status)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["accepted", "duplicate", "duplicate", "duplicate"]
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TechNeed)) == 1


def test_an_oversized_file_is_refused_before_a_byte_is_copied_and_recorded(app, tmp_path):
    app.settings.max_file_bytes = 1000
    r = submit_file(
        app, write(tmp_path, "科洽会活动总结_金湖县.docx", b"PK" + b"x" * 5000), received_at=datetime(2010, 9, 8, 9)
    )
    assert r.status == "refused" and r.verdict.issues[0].code == "too-large" and r.verdict.unit == "金湖县"
    with app.store.session() as s:
        sub = s.get(Submission, r.submission_id)
        assert (sub.status, sub.size, sub.sha256, sub.filename) == ("refused", 5002, "", "科洽会活动总结_金湖县.docx")
    assert not any(app.settings.files_dir.iterdir())  # the record, never the bytes


def test_recording_the_same_bytes_at_the_same_instant_counts_once(app):
    """The race itself, at the recording step (validation above is serialised by the GX lock)."""
    import hashlib
    import threading

    from tasks.intake.keep import record
    from tasks.intake.validate import inspect_file

    data = messy_workbook("tech-needs", [need_row(0)], unit="盱眙县")
    v = inspect_file(data, "附表3.xlsx", app.campaign, received=date(2010, 7, 1))
    start, statuses = threading.Barrier(4), []

    def one() -> None:
        start.wait()
        with app.store.session(write=True) as s:
            statuses.append(
                record(
                    s,
                    app.campaign,
                    v,
                    sha=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    received_at=datetime(2010, 7, 1, 9),
                ).status
            )

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == ["accepted", "duplicate", "duplicate", "duplicate"]


def test_bytes_unidentified_before_are_judged_anew_when_the_unit_is_given(app, tmp_path):
    p = write(tmp_path, "需求表.xlsx", messy_workbook("tech-needs", [need_row(0)], unit="某某单位"))
    first = submit_file(app, p, received_at=datetime(2010, 7, 1, 9))
    assert first.status == "unreadable" and first.verdict.issues[0].code == "unit-unknown"
    assert submit_file(app, p, received_at=datetime(2010, 7, 1, 9, 30)).status == "duplicate"
    again = submit_file(app, p, unit="金湖县", received_at=datetime(2010, 7, 1, 10))
    assert again.status == "accepted"
    once_more = submit_file(app, p, unit="金湖县", received_at=datetime(2010, 7, 1, 11))
    assert once_more.status == "duplicate"
    with app.store.session() as s:
        assert s.scalar(select(func.count()).select_from(TechNeed)) == 1
