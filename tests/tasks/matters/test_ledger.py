"""Matters from data: a campaign written only in YAML (tests/data/campaigns/ledger.yaml) whose
monthly 整改台账 is tracked. Each accepted ledger creates or restates the unit's matters, in the
same transaction as the file; a ledger with a row without its deadline, or with one problem
listed twice, is rejected and creates nothing."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from config.settings import Settings
from schemas.loading import check_campaign
from schemas.matters import Matter, MatterEvent, MatterSource, MatterState
from schemas.outbox import Notification
from schemas.tables import Submission, ValidationIssue
from schemas.verdicts import SubmissionStatus
from tasks.app.open import open_app
from tasks.intake.service import submit_bytes
from tests import TEST_DATA
from tests.filled import filled_template

pytestmark = pytest.mark.integration
LEDGER, NOTES = check_campaign(TEST_DATA / "campaigns" / "ledger.yaml")
PARK = "工业园区管委会"
APRIL, MAY = datetime(2014, 4, 3, 10), datetime(2014, 5, 5, 9)

MARCH_ROWS = [
    ["科技项目资金拨付滞后", "建立项目资金拨付台账，按季度跟踪", "刘园", "2014-05-31", "整改中", None],
    ["入园企业研发投入统计不全", "补报2013年研发投入数据", "陈主任", "2014-04-30", "整改中", None],
    ["园区孵化器管理制度不健全", "修订孵化器入驻与退出办法", "刘园", "2014-06-30", "未整改", None],
]
APRIL_ROWS = [  # the first: deadline moved; the second: done; the third: no longer listed
    ["科技项目资金拨付滞后", "建立项目资金拨付台账，按季度跟踪", "刘园", "2014-06-15", "整改中", None],
    ["入园企业研发投入统计不全", "补报2013年研发投入数据", "陈主任", "2014-04-30", "已完成", "2014-04-28"],
]


@pytest.fixture
def ledger_app(tmp_path, db_url):  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path / "var", database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    app = open_app(campaign=LEDGER, settings=settings)
    yield app
    app.store.dispose()


def _send(app, rows, at, name):  # type: ignore[no-untyped-def]
    return submit_bytes(app, filled_template(LEDGER, "rectify-ledger", rows, PARK), name, received_at=at)


def _matters(app) -> dict[str, Matter]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return {m.title: m for m in s.scalars(select(Matter).order_by(Matter.id))}


def _events(app, matter_id: int) -> list[MatterEvent]:  # type: ignore[no-untyped-def]
    with app.store.session() as s:
        return list(s.scalars(select(MatterEvent).where(MatterEvent.matter_id == matter_id).order_by(MatterEvent.id)))


def test_the_campaign_checks_clean():
    assert NOTES == []
    deadline = LEDGER.form("rectify-ledger").col("deadline")
    assert deadline.required  # implied by tracks: every matter has a deadline


def test_a_ledger_creates_matters_then_restates_them(ledger_app):
    r = _send(ledger_app, MARCH_ROWS, APRIL, "工业园区管委会2014年3月整改台账.xlsx")
    assert r.status == SubmissionStatus.ACCEPTED, r.verdict.issues
    first = _matters(ledger_app)
    assert len(first) == 3
    funds = first["科技项目资金拨付滞后"]
    assert (funds.state, funds.source, funds.due, funds.responsible) == (
        MatterState.IN_PROGRESS,
        MatterSource.LEDGER,
        date(2014, 5, 31),
        "刘园",
    )
    assert (funds.form, funds.submission_id, funds.row) == ("rectify-ledger", r.submission_id, 4)
    assert [(e.action, e.to_state) for e in _events(ledger_app, funds.id)] == [("ledger", "in_progress")]
    with ledger_app.store.session() as s:
        summary = s.get(Submission, r.submission_id).summary
    assert "台账登记督办事项：新增3项。" in summary.split("\n")[0]

    r2 = _send(ledger_app, APRIL_ROWS, MAY, "工业园区管委会2014年4月整改台账.xlsx")
    assert r2.status == SubmissionStatus.ACCEPTED, r2.verdict.issues
    now = _matters(ledger_app)
    moved, done, gone = (
        now[t] for t in ("科技项目资金拨付滞后", "入园企业研发投入统计不全", "园区孵化器管理制度不健全")
    )
    assert moved.due == date(2014, 6, 15) and moved.state == MatterState.IN_PROGRESS
    change = _events(ledger_app, moved.id)[-1]
    assert change.detail["changed"] == {"due": ["2014-05-31", "2014-06-15"]} and "完成时限有变化" in change.text
    assert (done.state, done.done_on) == (MatterState.CLOSING, date(2014, 4, 28))
    assert gone.state == MatterState.IN_PROGRESS and gone.missing_since == MAY
    assert _events(ledger_app, gone.id)[-1].action == "missing"
    with ledger_app.store.session() as s:
        summary = s.get(Submission, r2.submission_id).summary
    said = "台账登记督办事项：更新1项，申请办结1项；此前台账中的1项本次未列出，请核实。"
    assert said in summary.split("\n")[0]
    with ledger_app.store.session() as s:  # the unit's receipt tells it too
        receipt = s.scalar(
            select(Notification.text).where(Notification.kind == "receipt").order_by(Notification.id.desc())
        )
    assert said in receipt


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (  # a deadline left blank, and one written in words
            [MARCH_ROWS[0][:3] + [None, "整改中", None], MARCH_ROWS[1][:3] + ["年底前", "整改中", None]],
            ["第4行“完成时限”为必填项", "第5行“完成时限”"],
        ),
        (  # the same problem twice, the second time with a stray space inside
            [["科技项目 资金拨付滞后", *MARCH_ROWS[0][1:]], ["科技项目  资金拨付滞后", *MARCH_ROWS[0][1:]]],
            ["第5行“问题描述”与第4行重复：台账中同一事项只能填写一行"],
        ),
    ],
    ids=["deadline", "duplicate"],
)
def test_a_bad_ledger_is_rejected_and_creates_no_matters(ledger_app, rows, said):
    r = _send(ledger_app, rows, APRIL, "工业园区管委会2014年3月整改台账.xlsx")
    assert r.status == SubmissionStatus.REJECTED
    with ledger_app.store.session() as s:
        errors = s.scalars(
            select(ValidationIssue.message).where(
                ValidationIssue.submission_id == r.submission_id, ValidationIssue.severity == "error"
            )
        ).all()
        assert s.scalar(select(func.count()).select_from(Matter)) == 0
    for words in said:
        assert any(e.startswith(words) for e in errors), errors


def test_a_long_problem_description_is_one_matter_and_a_ledger_has_a_bound(ledger_app, tmp_path):
    long = "园区孵化器管理制度不健全，" * 60  # 780 characters: longer than any key column
    r = _send(ledger_app, [[long, "修订办法", "刘园", "2014-06-30", "未整改", None]], APRIL, "台账2014年3月.xlsx")
    assert r.status == SubmissionStatus.ACCEPTED, r.verdict.issues
    r = _send(ledger_app, [[long, "修订办法", "刘园", "2014-07-31", "整改中", None]], MAY, "台账2014年4月.xlsx")
    assert r.status == SubmissionStatus.ACCEPTED, r.verdict.issues
    [m] = _matters(ledger_app).values()
    assert len(m.title) > 512 and m.due == date(2014, 7, 31)  # restated, not a second matter

    text = (
        (TEST_DATA / "campaigns" / "ledger.yaml")
        .read_text()
        .replace("      done_values: [已完成]\n", "      done_values: [已完成]\n      max_rows: 2\n")
    )
    (tmp_path / "small.yaml").write_text(text)
    small, _ = check_campaign(tmp_path / "small.yaml")
    rows = [[f"问题{i}", "措施", "刘园", "2014-06-30", "整改中", None] for i in range(3)]
    data = filled_template(small, "rectify-ledger", rows, PARK)
    v = submit_bytes(ledger_app, data, "台账2014年5月.xlsx", received_at=MAY)
    assert v.status == SubmissionStatus.ACCEPTED  # the campaign in force allows 500
    app = open_app(campaign=small, settings=ledger_app.settings)
    try:
        r = submit_bytes(app, data, "台账2014年6月.xlsx", received_at=datetime(2014, 6, 5, 9))
        assert r.status == SubmissionStatus.REJECTED
        assert any("超过每份台账2项督办事项的上限" in i.message for i in r.verdict.issues), r.verdict.issues
    finally:
        app.store.dispose()
