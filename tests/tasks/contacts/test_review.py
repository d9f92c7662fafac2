"""No contact takeover through another role (issue 23, point 1): a 附表2 that adds an address in
any role waits for ops; every change, applied at once or approved, is told to the unit's liaison
and head, once each, saying what changed in the form's own words. Real files through intake, a
real SQLite store, a real SMTP server."""

from datetime import datetime

import pytest
from sqlalchemy import select

from schemas.outbox import Notification
from schemas.tables import ContactChange, ContactList, Unit
from tasks.intake.service import submit_file
from tests.tasks.intake.files import CAMPAIGN, messy_workbook, write

pytestmark = [pytest.mark.integration]

HEAD = ["李建国", "清河区科技局局长", "组长", "", "13805170201", "qinghe.head@example.cn", ""]
LIAISON = ["王晓明", "清河区科技局科员", "联络员", "", "13805170101", "qinghe.liaison@example.cn", ""]
OUTSIDER = ["何静", "清河区科技局副局长", "副组长", "", "13805170203", "xuyi.liaison@evil.example.com", ""]
MEMBER = ["周敏", "清河区科技局科员", "成员", "", "13805170204", "", ""]
CURRENT = {"qinghe.liaison@example.cn", "qinghe.head@example.cn"}


@pytest.fixture
def mapp(sqlite_settings, smtp):  # type: ignore[no-untyped-def]
    from tasks.app.open import open_app

    s = sqlite_settings.model_copy(update={"smtp_port": smtp.port, "smtp_backoff": 0.01})
    a = open_app("huaian-2010", settings=s)
    yield a
    a.store.dispose()


def _submit(app, tmp_path, rows, name="附表2_清河区.xlsx", at=datetime(2010, 6, 25, 9)):  # type: ignore[no-untyped-def]
    r = submit_file(app, write(tmp_path, name, messy_workbook("contacts", rows)), received_at=at)
    assert r.status == "accepted", r.verdict.issues
    return r


def _lists(app) -> list[tuple[int, bool, set[str]]]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        unit = s.scalar(select(Unit).where(Unit.campaign == app.campaign.id, Unit.name == "清河区"))
        found = s.scalars(select(ContactList).where(ContactList.unit_id == unit.id).order_by(ContactList.version))
        return [(x.version, x.current, {c.email for c in x.contacts if c.email}) for x in found]


def _notices(app) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(Notification).where(Notification.kind == "contacts").order_by(Notification.id)))


def _senders(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tasks.mailbox.machine import senders

    with app.store.session() as s:
        return dict(senders(s, app.campaign.id))


def test_a_deputy_with_an_outside_address_is_held_and_can_file_nothing(mapp, smtp, tmp_path):
    before = _senders(mapp)
    r = _submit(mapp, tmp_path, [HEAD, LIAISON, OUTSIDER])
    assert r.contact_change is not None  # held for ops
    with mapp.store.session() as s:
        change = s.get(ContactChange, r.contact_change)
        assert change.status == "pending"
    assert _lists(mapp) == [(1, True, CURRENT)]  # nothing applied
    assert _senders(mapp) == before and "xuyi.liaison@evil.example.com" not in _senders(mapp)
    # the unit's liaison and head hear of the request, once each; the outsider hears nothing
    rows = _notices(mapp)
    assert sorted(n.recipient_email for n in rows) == sorted(CURRENT)
    text = rows[0].text
    assert "新增 副组长 何静" in text and "xuyi.liaison@evil.example.com" in text and "待审核" in text
    assert "如本单位没有提出此次变更" in text and "报送或更正文件" not in text and "报送或更正文件" not in rows[0].html


def test_a_member_without_an_address_applies_at_once_and_the_liaison_and_head_hear_once(mapp, smtp, tmp_path):
    from tasks.outbox.send import send_queued

    r = _submit(mapp, tmp_path, [HEAD, LIAISON, MEMBER])
    assert r.contact_change is None  # applied, nothing held
    assert [x[:2] for x in _lists(mapp)] == [(1, False), (2, True)]
    rows = _notices(mapp)
    assert sorted(n.recipient_email for n in rows) == sorted(CURRENT)  # one each
    assert all("新增 成员 周敏" in n.text and "已生效" in n.subject for n in rows)
    assert all("恢复原名单" in n.text and "报送或更正文件" not in n.text + n.html for n in rows)
    send_queued(mapp, now=datetime(2010, 6, 25, 9, 5))
    told = [m["X-Envelope-To"] for m in smtp.received if m["Subject"].startswith("【联系人变更】")]
    assert sorted(told) == sorted(CURRENT)
    send_queued(mapp, now=datetime(2010, 6, 25, 9, 10))  # nothing twice
    assert len([m for m in smtp.received if m["Subject"].startswith("【联系人变更】")]) == 2


def test_removing_a_member_applies_at_once_and_says_so(mapp, tmp_path):
    _submit(mapp, tmp_path, [HEAD, LIAISON, MEMBER])
    r = _submit(mapp, tmp_path, [HEAD, LIAISON], name="附表2_清河区_改.xlsx", at=datetime(2010, 6, 26, 9))
    assert r.contact_change is None and [x[:2] for x in _lists(mapp)][-1] == (3, True)
    removal = [n for n in _notices(mapp) if "删除 成员 周敏" in n.text]
    assert sorted(n.recipient_email for n in removal) == sorted(CURRENT)


def test_approving_a_held_change_tells_the_liaison_and_head(mapp, smtp, tmp_path):
    from tasks.contacts.changes import answer

    r = _submit(mapp, tmp_path, [HEAD, LIAISON, OUTSIDER])
    status, sent = answer(
        mapp, r.contact_change, approve=True, by="综合协调组", comment="电话核实", now=datetime(2010, 6, 26, 9)
    )
    assert status == "approved"
    assert [x[:2] for x in _lists(mapp)] == [(1, False), (2, True)]
    outcome = [m for m in smtp.received if m["Subject"] == "【联系人变更】清河区：已生效"]
    assert sorted(m["X-Envelope-To"] for m in outcome) == sorted(CURRENT)  # the liaison and head, once each
    body = outcome[0].get_body(("plain",)).get_content()
    assert "新增 副组长 何静" in body and "电话核实" in body and "报送或更正文件" not in body
    with pytest.raises(ValueError):  # decided once
        answer(mapp, r.contact_change, approve=True, by="综合协调组", comment="", now=datetime(2010, 6, 26, 10))
    assert len([m for m in smtp.received if m["Subject"] == "【联系人变更】清河区：已生效"]) == 2


def test_which_changes_wait_for_ops():
    from tasks.contacts.changes import needs_review

    campaign = CAMPAIGN
    old = [
        {"role": "head", "name": "李建国", "email": "qinghe.head@example.cn"},
        {"role": "liaison", "name": "王晓明", "email": "qinghe.liaison@example.cn"},
    ]
    assert needs_review(campaign, "清河区", old, [old[0], {**old[1], "email": "qian@example.cn"}])
    assert needs_review(
        campaign, "清河区", old, [*old, {"role": "deputy", "name": "何静", "email": "He@Evil.example.com"}]
    )
    assert needs_review(campaign, "清河区", old, [*old, {"role": "member", "name": "周敏", "email": "z@example.cn"}])
    assert not needs_review(campaign, "清河区", old, [*old, {"role": "member", "name": "周敏", "email": None}])
    assert not needs_review(campaign, "清河区", old, [{**old[0], "email": "QINGHE.head@example.cn "}, old[1]])
    # a campaign that trusts the unit's own domains still applies additions inside them at once
    inside = campaign.model_copy(
        update={
            "contacts": campaign.contacts.model_copy(update={"auto_apply_within_domains": True}),
            "units": [
                u.model_copy(update={"mail_domains": ["example.cn"]}) if u.name == "清河区" else u
                for u in campaign.units
            ],
        }
    )
    assert not needs_review(inside, "清河区", old, [*old, {"role": "deputy", "name": "何静", "email": "he@example.cn"}])
    assert needs_review(
        inside, "清河区", old, [*old, {"role": "deputy", "name": "何静", "email": "he@evil.example.com"}]
    )


def test_the_notice_names_roles_in_the_forms_own_words():
    from notifications.contact_notice import changes, field_words, role_words

    form = CAMPAIGN.form("contacts")
    roles, fields = role_words(form), field_words(form)
    assert roles == {"head": "组长", "deputy": "副组长", "member": "成员", "liaison": "联络员"}
    old = [
        {"role": "liaison", "name": "王晓明", "email": "a@example.cn", "mobile": "1"},
        {"role": "member", "name": "周敏", "email": None},
    ]
    new = [
        {"role": "head", "name": "王晓明", "email": "b@example.cn", "mobile": "1"},
        {"role": "deputy", "name": "何静", "email": "he@example.cn"},
    ]
    lines = changes(old, new, roles, fields)
    assert "新增 副组长 何静（电子邮箱 he@example.cn）" in lines and "删除 成员 周敏" in lines
    assert "变更 组长 王晓明：组内分工由“联络员”改为“组长”；电子邮箱由“a@example.cn”改为“b@example.cn”" in lines
    assert changes([{**old[1], "mobile": "139"}], [{**old[1], "email": "z@example.cn"}], roles, fields) == [
        "变更 成员 周敏：补填电子邮箱“z@example.cn”；删去手机（原为“139”）"
    ]
    assert changes(old, [dict(p) for p in old], roles, fields) == []


def test_duban_contacts_lists_the_added_address(tmp_path):
    import json

    from tests.tasks.intake.test_cli import duban

    home = tmp_path / "var"
    f = write(tmp_path, "附表2_清河区.xlsx", messy_workbook("contacts", [HEAD, LIAISON, OUTSIDER]))
    assert duban("submit", str(f), "--received-at", "2010-06-25T09:00:00", home=home).returncode == 0
    r = duban("contacts", "--json", home=home)
    [row] = json.loads(r.stdout)
    assert row["added"] == ["xuyi.liaison@evil.example.com"] and row["old"] == row["new"]
    r = duban("contacts", home=home)
    assert "新增邮箱：xuyi.liaison@evil.example.com" in r.stdout


def test_a_held_change_never_mails_the_address_it_would_add(mapp, tmp_path):
    """Security review: a 附表2 that replaces the liaison with an outside address is held, and that
    address is told nothing (it would learn the unit's contacts) until ops approve."""
    outsider = ["某某", "清河区科技局", "联络员", "", "13805170109", "mallory@evil.example", ""]
    r = _submit(mapp, tmp_path, [HEAD, outsider])
    with mapp.store.session() as s:
        assert s.get(ContactChange, r.contact_change).status == "pending"
    told = {n.recipient_email for n in _notices(mapp)}
    assert "mallory@evil.example" not in told and told <= CURRENT
