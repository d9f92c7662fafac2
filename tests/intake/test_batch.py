"""Batched validation (issue 18): many files judged together give exactly the verdicts each file
gets alone, and a file that breaks its batch costs only itself."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.intake import format_files as ff
from tests.intake.files import CAMPAIGN, csv_bytes, messy_workbook, need_row, xls_bytes
from tests.intake.hostile import good_files, merge_bomb, sparse_xlsx

pytestmark = pytest.mark.integration


def corpus() -> dict[str, bytes]:
    """Every kind of fixture file: good, with cell errors, rule errors, other formats, hostile."""
    files = dict(good_files())
    bad_rows = [need_row(70), need_row(71, sales_wan="很多"), need_row(72, sales_wan="-5"), need_row(73, enterprise="", need_type="随便")]
    files["附表3_清河区_错误.xlsx"] = messy_workbook("tech-needs", bad_rows, unit="清河区")
    files["附表3_清浦区_错误.csv"] = csv_bytes("tech-needs", bad_rows, unit="清浦区")
    files["附表3_涟水县.xls"] = xls_bytes("tech-needs", [need_row(80), need_row(81, sales_wan="0.3亿")], unit="涟水县")
    files["附表3_清河区.html.xls"] = ff.html_xls("tech-needs", bad_rows, unit="清河区")
    files["附表3_洪泽县.xml.xls"] = ff.spreadsheet_ml("tech-needs", bad_rows)
    files["附表3_金湖县.ods"] = ff.ods_bytes("tech-needs", bad_rows)
    files["附表3_盱眙县.txt"] = ff.unicode_text("tech-needs", bad_rows)
    files["附表3_楚州区_无数据.xlsx"] = messy_workbook("tech-needs", [], unit="楚州区")
    files["附表3_淮阴区_稀疏.xlsx"] = sparse_xlsx()
    files["附表3_盱眙县_合并.xlsx"] = merge_bomb()
    files["随便.xlsx"] = b"not a workbook"
    files["空.csv"] = b""
    neg_bad = ["校企合作项目", "淮安华达", "淮阴工学院", "2010-13-05", "谈着呢", "", "", "合作开发", "否", ""]
    files["附表5_淮阴区_2010年7月.xlsx"] = messy_workbook("negotiations", [neg_bad], unit="淮阴区",
                                                      title="附表5：对接洽谈及签约项目动态表（2010年7月）")
    return files


def _key(v):  # type: ignore[no-untyped-def]
    return (v.unit, v.form, v.period, v.unreadable, [i.as_json() for i in v.issues], len(v.records))


def test_batched_verdicts_are_identical_to_one_at_a_time():
    from tasks.intake.validate import Received, inspect_file, inspect_files

    files = corpus()
    received = date(2010, 7, 6)
    alone = {n: inspect_file(d, n, CAMPAIGN, received=received) for n, d in files.items()}
    together = inspect_files([Received(d, n, received) for n, d in files.items()], CAMPAIGN)
    assert len(together) == len(files)
    for (name, a), b in zip(alone.items(), together, strict=True):
        assert _key(b) == _key(a), name
    assert sum(len(v.issues) for v in alone.values()) > 20  # the corpus does find problems


def test_a_file_that_breaks_its_group_is_judged_alone(monkeypatch):
    from tasks.intake import suites
    from tasks.intake.validate import Received, inspect_file, inspect_files

    files = {f"附表3_{u}.xlsx": messy_workbook("tech-needs", [need_row(i, sales_wan="很多" if i == 2 else "2,500")], unit=u)
             for i, u in enumerate(["清河区", "清浦区", "楚州区"], 1)}
    monkeypatch.setattr(suites, "run_suites", lambda items, campaign: (_ for _ in ()).throw(RuntimeError("boom")))
    got = inspect_files([Received(d, n, date(2010, 7, 6)) for n, d in files.items()], CAMPAIGN)
    want = [inspect_file(d, n, CAMPAIGN, received=date(2010, 7, 6)) for n, d in files.items()]
    assert [_key(v) for v in got] == [_key(v) for v in want]


def test_duban_intake_in_batches_answers_every_file_as_one_at_a_time(sqlite_settings, tmp_path):
    from tasks.app import open_app
    from tasks.intake.run import intake_inbox

    files = corpus()
    outs = []
    for batch in (1, 7):
        settings = sqlite_settings.model_copy(update={"home": tmp_path / f"home{batch}"})
        app = open_app("huaian-2010", settings=settings)
        settings.inbox_dir.mkdir(parents=True, exist_ok=True)
        for n, d in files.items():
            (settings.inbox_dir / n).write_bytes(d)
        res = intake_inbox(app, received_at=datetime(2010, 7, 6, 9), batch=batch)
        outs.append(sorted((r.file, r.status, r.unit, r.form, r.period, r.rows, r.errors, r.warnings) for r in res))
        app.store.dispose()
    assert outs[0] == outs[1] and len(outs[0]) == len(files)


def test_nothing_is_locked_unless_the_campaign_closes_obligations(sqlite_settings):
    """By default a late file is accepted (and counted late); a campaign with
    `intake.closes_after_days` refuses files for an obligation closed that long after its due date."""
    from tasks.app import App, open_app
    from tasks.intake.service import submit_bytes

    app = open_app("huaian-2010", settings=sqlite_settings)
    late = messy_workbook("tech-needs", [need_row(1)], unit="清河区", title="附表3：第1批技术需求")  # due 2010-07-05
    r = submit_bytes(app, late, "附表3.xlsx", received_at=datetime(2010, 7, 20, 9))
    assert r.status == "accepted"
    closing = App(app.settings, app.campaign.model_copy(update={"intake": app.campaign.intake.model_copy(
        update={"closes_after_days": 5})}), app.store)
    again = messy_workbook("tech-needs", [need_row(2)], unit="清河区", title="附表3：第1批技术需求")
    r = submit_bytes(closing, again, "附表3.xlsx", received_at=datetime(2010, 7, 20, 9))
    assert r.status == "unreadable" and "2010年07月10日关闭" in r.verdict.issues[0].message
    ok = messy_workbook("tech-needs", [need_row(3)], unit="清河区", title="附表3：第1批技术需求")
    assert submit_bytes(closing, ok, "附表3b.xlsx", received_at=datetime(2010, 7, 9, 9)).status == "accepted"
    app.store.dispose()
