"""Indicators as pure functions over frames of rows: periods by the form's meaning, filters,
measures, ratios, series; and a figure that falls names the units that lowered it."""

from datetime import date

import pandas as pd
import pytest

from schemas.indicators import Indicator
from tasks.briefing import indicators
from tasks.briefing.figures import figures
from tests.tasks.intake.files import CAMPAIGN

pytestmark = [pytest.mark.unit]


def negotiations(rows):  # (unit, period, status, amount)
    df = pd.DataFrame(rows, columns=["unit", "period", "status", "amount_wan"])
    df["academician"], df["key"], df["submission_id"] = False, None, range(len(df))
    order = indicators.period_order(CAMPAIGN, "negotiations")
    return df.assign(order=df["period"].map(order))


def test_a_cumulative_form_counts_each_units_latest_period_only():
    frames = {
        "negotiations": negotiations(
            [
                ("清河区", "2010-07", "洽谈中", None),
                ("清河区", "2010-07", "已签约", 100.0),
                ("清河区", "2010-08", "已签约", 100.0),
                ("清河区", "2010-08", "已签约", 50.0),  # August restates July
                ("清浦区", "2010-07", "已签约", 30.0),
            ]
        )
    }  # 清浦区 has not sent August yet: its July stands
    v = indicators.compute(CAMPAIGN, frames, only={"signed", "contract_value", "negotiations", "signing_rate"})
    assert v["signed"].value == 3 and v["signed"].per_unit == {"清河区": 2, "清浦区": 1}
    assert v["contract_value"].value == 180 and v["negotiations"].value == 3
    assert v["signing_rate"].value == 1.0 and v["signing_rate"].text() == "100.0%"
    # September: nobody has reported, so no data (None, drawn as 暂无数据), not a value carried on
    assert indicators.series(CAMPAIGN, frames, "signed") == [("2010-07", 2.0), ("2010-08", 3.0), ("2010-09", None)]


def test_an_incremental_form_adds_up_every_period_and_units_count_against_their_kind():
    c = CAMPAIGN.model_copy(
        update={
            "indicators": [
                *CAMPAIGN.indicators,
                Indicator(
                    key="all_signed",
                    label="全部",
                    form="negotiations",
                    periods="all",
                    where=({"column": "status", "eq": "已签约"},),
                ),
            ]
        }
    )
    frames = {
        "negotiations": negotiations([("清河区", "2010-07", "已签约", 1.0), ("清河区", "2010-08", "已签约", 1.0)])
    }
    assert indicators.compute(c, frames, only={"all_signed"})["all_signed"].value == 2  # periods: all
    report = pd.DataFrame(
        [("清河区", "2010", None, 1), ("淮阴工学院", "2010", None, 2)],
        columns=["unit", "period", "key", "submission_id"],
    ).assign(order=0)
    v = indicators.compute(c, {"activity-report": report}, only={"counties_with_activity"})["counties_with_activity"]
    assert (v.value, v.of, v.text()) == (1, 9, "1/9个")  # a university does not count as a county


def test_the_rows_in_force_are_the_last_file_of_each_period_or_the_last_row_of_each_key():
    df = pd.DataFrame(
        [("清河区", "2010-07", None, 1, "洽谈中"), ("清河区", "2010-07", None, 2, "已签约")],
        columns=["unit", "period", "key", "submission_id", "status"],
    )
    kept = indicators.in_force(df, CAMPAIGN.form("negotiations"), indicators.period_order(CAMPAIGN, "negotiations"))
    assert list(kept["status"]) == ["已签约"]  # the resubmission replaced the first file
    needs = pd.DataFrame(
        [("清河区", "第1批", "甲\x1f乙", 1), ("清河区", "第2批", "甲\x1f乙", 2), ("清河区", "第1批", "丙\x1f丁", 1)],
        columns=["unit", "period", "key", "submission_id"],
    )
    assert len(indicators.in_force(needs, CAMPAIGN.form("tech-needs"), {})) == 2  # a later batch corrected one row


def test_a_figure_that_falls_names_who_lowered_it():
    frames = {
        "negotiations": negotiations([("清河区", "2010-08", "已签约", 10.0), ("清浦区", "2010-08", "已签约", 5.0)])
    }
    values = indicators.compute(CAMPAIGN, frames)
    before = {"signed": {"value": 4, "units": {"清河区": 3, "清浦区": 1}}}
    [f] = [f for f in figures(CAMPAIGN, values, before, date(2010, 8, 25)) if f.value.key == "signed"]
    assert (f.change, f.change_text) == (-2, "-2项") and f.lowered_by == ["清河区（3项→1项）"]
    [k] = [f for f in figures(CAMPAIGN, values, {}, date(2010, 8, 25)) if f.value.key == "key_projects"]
    assert k.target.value == 40 and k.change is None and k.change_text == "—"


def test_a_ratio_over_nothing_reads_as_a_dash_not_zero_percent():
    """The author trial: 办结率 with no ledger rows (0/0) printed 0.0%."""
    v = indicators.Value("rate", "办结率", "", 0.0, {}, None, True, 1, defined=False)
    assert v.text() == "—" and indicators.Value("rate", "办结率", "", 0.25, {}, None, True, 1).text() == "25.0%"
