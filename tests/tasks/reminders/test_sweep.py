"""The sweep on the 2010 calendar, against a real store and a real SMTP server."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from schemas.outbox import Notification
from tasks.intake.service import submit_file
from tasks.ops.extensions import grant_extension
from tasks.reminders.job import sweep_day
from tests.tasks.intake.files import messy_workbook, write

pytestmark = [pytest.mark.integration]

CONTACTS = [
    ["赵局长", "科技局局长", "组长", "", "13805170201", "zhao@example.cn", ""],
    ["钱科长", "科技局科长", "联络员", "", "13805170202", "qian@example.cn", ""],
]


def sent_to(smtp, email):
    return [m for m in smtp.received if m["X-Envelope-To"] == email]


def test_each_step_once_and_nothing_on_other_days(mail_app, smtp):
    r = sweep_day(mail_app, date(2010, 6, 23))
    assert {(d.obligation, d.step.kind, d.step.level) for d in r.decisions} == {("O1", "reminder", 1)}
    assert r.delivery.sent == 15 and len(smtp.received) == 15
    assert sweep_day(mail_app, date(2010, 6, 23)).decisions == []  # same day again: nothing twice
    assert sweep_day(mail_app, date(2010, 6, 24)).decisions == []  # the next step is 06-29
    assert len(smtp.received) == 15


def test_one_digest_per_recipient_per_day(mail_app, smtp):
    sweep_day(mail_app, date(2010, 6, 29))  # O1 reminder 2 and O2 (batch 1) reminder 1 for counties
    mails = sent_to(smtp, "qinghe.liaison@example.cn")
    assert len(mails) == 1
    text = mails[0].get_body(("plain",)).get_content()
    assert "组织机构人员名单及联系方式" in text and "附表3 技术难题和需求排查" in text and "第1批" in text
    assert len(sent_to(smtp, "hyit.liaison@example.cn")) == 1  # universities owe O1 only


def test_escalations_reach_the_head_and_then_the_group(mail_app, smtp):
    sweep_day(mail_app, date(2010, 7, 1))
    assert len(sent_to(smtp, "qinghe.head@example.cn")) == 1
    assert sent_to(smtp, "zhxt@kjj.huaian.example.cn") == []
    rehearsal = sweep_day(mail_app, date(2010, 7, 5), dry_run=True)  # says the real run would wait, sends nothing
    assert rehearsal.dry_run and rehearsal.held and rehearsal.queued == 0
    held = sweep_day(mail_app, date(2010, 7, 5))  # 15 counties at level 2, three addresses each: too many at once
    assert (
        held.queued == 0 and "45 份督办通知（15 项逾期任务），合为" in held.held and held.delivery.sent == 0
    )  # nothing else was queued
    assert held.held == rehearsal.held
    mails = len({x.email.lower() for d in held.decisions for x in d.recipients})
    assert f"合为 {mails} 封邮件（每人一封）" in held.held  # what --confirm then sends
    r = sweep_day(mail_app, date(2010, 7, 5), confirmed_by="综合协调组")
    o1 = [d for d in r.decisions if d.obligation == "O1" and d.unit == "清河区"][0]
    assert (o1.step.kind, o1.step.level) == ("escalation", 2)
    assert {x.role for x in o1.recipients} == {"liaison", "head", "group"}
    group_mail = sent_to(smtp, "zhxt@kjj.huaian.example.cn")
    assert len(group_mail) == 1 and "逾期" in group_mail[0]["Subject"]


def test_accepted_stops_the_ladder_rejected_does_not_and_approved_contacts_are_used(mail_app, smtp, tmp_path):
    from tasks.contacts.changes import decide

    good = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"))
    bad = write(tmp_path, "附表2_清浦区.xlsx", messy_workbook("contacts", CONTACTS[:1], unit="清浦区"))
    accepted = submit_file(mail_app, good, received_at=datetime(2010, 6, 25, 10))
    assert accepted.status == "accepted" and accepted.contact_change
    assert submit_file(mail_app, bad, received_at=datetime(2010, 6, 25, 11)).status == "rejected"
    with mail_app.store.session(write=True) as s:  # ops approve the new liaison and head
        decide(s, accepted.contact_change, approve=True, by="综合协调组", comment="", now=datetime(2010, 6, 28, 9))
    r = sweep_day(mail_app, date(2010, 6, 29))
    o1 = {d.unit for d in r.decisions if d.obligation == "O1"}
    assert "清河区" not in o1 and "清浦区" in o1
    subjects = lambda to: [m["Subject"] for m in sent_to(smtp, to)]  # noqa: E731
    assert [x for x in subjects("qian@example.cn") if "联系人变更" not in x] == [subjects("qian@example.cn")[-1]]
    assert "催报提醒" in subjects("qian@example.cn")[-1]  # the O2 reminder goes to the new liaison
    assert subjects("qinghe.liaison@example.cn")[0].startswith("【回执】清河区")  # the receipt: to the liaison in force
    assert not [x for x in subjects("qinghe.liaison@example.cn") if "催报" in x]  # no reminder once replaced


def test_an_extension_moves_the_ladder(mail_app, smtp):
    with mail_app.store.session(write=True) as s:
        grant_extension(
            s,
            mail_app.campaign,
            unit="清河区",
            obligation="O1",
            period=None,
            new_due=date(2010, 7, 15),
            reason="机构调整",
            granted_by="综合协调组",
            now=datetime(2010, 6, 30, 17),
            mail_from=mail_app.settings.mail_from,
        )
    r = sweep_day(mail_app, date(2010, 7, 1))
    assert "清河区" not in {d.unit for d in r.decisions if d.obligation == "O1"}
    r = sweep_day(mail_app, date(2010, 7, 14))
    assert [(d.step.kind, d.step.level, d.due) for d in r.decisions if d.unit == "清河区" and d.obligation == "O1"] == [
        ("reminder", 2, date(2010, 7, 15))
    ]


def test_a_file_accepted_after_queueing_makes_the_reminder_stale(mail_app, smtp, tmp_path):
    from tasks.outbox.send import send_queued
    from tasks.reminders.job import queue_day

    queue_day(mail_app, date(2010, 6, 23), datetime(2010, 6, 23, 9))
    good = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"))
    submit_file(mail_app, good, received_at=datetime(2010, 6, 23, 9, 5))
    report = send_queued(mail_app, now=datetime(2010, 6, 23, 9, 10))
    assert (
        report.stale == 1 and report.sent == 17
    )  # 14 reminders + the receipt + the held change told to the 2 in force
    with mail_app.store.session() as s:
        stale = s.scalars(select(Notification).where(Notification.status == "stale")).one()
    assert stale.recipient_email == "qinghe.liaison@example.cn"
    assert not [m for m in sent_to(smtp, "qinghe.liaison@example.cn") if "催报" in m["Subject"]]


def test_a_digest_loses_only_the_items_that_no_longer_apply(mail_app, smtp, tmp_path):
    """07-05: the committee's digest lists every unit still without 附表2; one unit's file is
    accepted between queueing and sending: the digest goes out rebuilt without that unit."""
    from tasks.outbox.send import send_queued
    from tasks.reminders.job import queue_day

    queue_day(mail_app, date(2010, 7, 5), datetime(2010, 7, 5, 9), confirmed_by="综合协调组")
    good = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", CONTACTS, unit="清河区"))
    submit_file(mail_app, good, received_at=datetime(2010, 7, 5, 9, 5))
    report = send_queued(mail_app, now=datetime(2010, 7, 5, 9, 10))
    assert report.stale >= 1 and report.failed == 0  # 清河区's own escalation is not sent
    [committee] = sent_to(smtp, "zhxt@kjj.huaian.example.cn")
    body = committee.get_body(preferencelist=("plain",)).get_content()
    assert "清浦区" in body and "清河区" not in body
    with mail_app.store.session() as s:
        row = s.scalars(select(Notification).where(Notification.recipient_email == "zhxt@kjj.huaian.example.cn")).one()
        assert row.status == "sent" and [i.stale for i in row.items].count(True) == 1


def test_after_an_extension_the_unit_is_reminded_of_its_new_date(mail_app, smtp):
    """Issue 26.10: the reminders sent for the original date do not silence those of the new one;
    the same step for the same date is still never sent twice."""
    from tasks.ops.extensions import grant_extension

    first = sweep_day(mail_app, date(2010, 6, 29), confirmed_by="测试")  # the day before 06-30: a reminder
    assert any(d.unit == "清河区" and d.obligation == "O1" and d.step.kind == "reminder" for d in first.decisions)
    with mail_app.store.session(write=True) as s:
        grant_extension(
            s,
            mail_app.campaign,
            unit="清河区",
            obligation="O1",
            period=None,
            new_due=date(2010, 7, 9),
            reason="机构调整",
            granted_by="综合协调组",
            now=datetime(2010, 6, 30, 10),
            mail_from="x@y.cn",
        )
    again = sweep_day(mail_app, date(2010, 7, 8), confirmed_by="测试")  # the working day before 07-09
    mine = [d for d in again.decisions if d.unit == "清河区" and d.obligation == "O1"]
    assert [(d.step.kind, d.due) for d in mine] == [("reminder", date(2010, 7, 9))]
    assert [
        d
        for d in sweep_day(mail_app, date(2010, 7, 8), confirmed_by="测试").decisions
        if d.unit == "清河区" and d.obligation == "O1"
    ] == []  # never the same one twice


def test_a_replayed_day_knows_only_the_extensions_granted_by_then(mail_app):
    """Issue 26.6: an extension granted on 07-16 is not in force on 07-10; one granted today is not
    in force in 2009."""
    from tasks.calendar.status import status_rows

    with mail_app.store.session(write=True) as s:
        grant_extension(
            s,
            mail_app.campaign,
            unit="清浦区",
            obligation="O7",
            period=None,
            new_due=date(2010, 7, 28),
            reason="会商",
            granted_by="专题活动组",
            now=datetime(2010, 7, 16, 10),
            mail_from="x@y.cn",
        )

    def due_on(day: date) -> date:
        with mail_app.store.session() as s:
            return next(
                r.effective_due
                for r in status_rows(s, mail_app.campaign, day)
                if r.unit == "清浦区" and r.obligation == "O7"
            )

    assert due_on(date(2010, 7, 10)) == date(2010, 7, 20)  # the original date, as it was that day
    assert due_on(date(2010, 7, 16)) == due_on(date(2010, 7, 20)) == date(2010, 7, 28)
