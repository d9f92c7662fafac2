from datetime import date

import pytest

from tasks.intake import cells
from tasks.intake.cells import CellError
from tasks.reader import text_of

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize(
    "text",
    [
        "2010-07-05",
        "2010/7/5",
        "2010.7.5",
        "2010年7月5日",
        "２０１０年７月５日",
        "40364",
        "2010-07-05 00:00:00",
        "20100705",
    ],
)
def test_every_common_date_form(text):
    assert cells.a_date(text) == date(2010, 7, 5)


@pytest.mark.parametrize("text", ["7月5日", "2010-13-01", "下周", "2010年2月30日"])
def test_bad_dates_say_why(text):
    with pytest.raises(CellError):
        cells.a_date(text)


@pytest.mark.parametrize(("text", "value"), [("2,500", 2500.0), ("２５００", 2500.0), (" 12.5 ", 12.5), ("-3", -3.0)])
def test_money(text, value):
    assert cells.money(text) == value


@pytest.mark.parametrize("text", ["0.3亿", "300万元", "约500", "1,2,3.4.5"])
def test_money_in_words_is_an_error(text):
    with pytest.raises(CellError, match="万元"):
        cells.money(text)


@pytest.mark.parametrize(
    "text", ["13805170101", "138-0517-0101", "138 0517 0101", "１３８０５１７０１０１", "+86 13805170101"]
)
def test_mobiles(text):
    assert cells.mobile(text) == "13805170101"


@pytest.mark.parametrize("text", ["12805170101", "1380517010", "0517-83660000"])
def test_not_mobiles(text):
    with pytest.raises(CellError):
        cells.mobile(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0517-83660000", "0517-83660000"),
        ("(0517)83660000", "0517-83660000"),
        ("（0517）8366000", "0517-8366000"),
        ("0517 83660000", "0517-83660000"),
        ("0517-83660000转8012", "0517-83660000转8012"),
        ("0517-83660000-8012", "0517-83660000转8012"),
        ("0517-83660000 ext 8012", "0517-83660000转8012"),
        ("025-84891234", "025-84891234"),
        ("0517 8490 1235", "0517-84901235"),  # spaces inside the local number, as clerks write it
    ],
)
def test_landlines(text, canonical):
    assert cells.landline(text) == canonical


@pytest.mark.parametrize("text", ["83660000", "0517-836600", "517-83660000"])
def test_not_landlines(text):
    with pytest.raises(CellError):
        cells.landline(text)


def test_credit_code_check_character():
    good = "91320800" + "MA1M8ABC0"
    code = good + cells.check_char(good)
    assert cells.credit_code(code.lower()) == code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(CellError, match="校验位"):
        cells.credit_code(wrong)
    with pytest.raises(CellError, match="18位"):
        cells.credit_code("91320800MA1M8")


@pytest.mark.parametrize(
    ("text", "norm"), [("1", "1"), ("1,3", "1,3"), ("①③", "1,3"), ("一、二", "1,2"), ("3；1", "1,3"), ("1和2", "1,2")]
)
def test_criteria(text, norm):
    assert cells.multi(text, ("1", "2", "3")) == norm


@pytest.mark.parametrize("text", ["4", "高新技术", "1,5"])
def test_bad_criteria(text):
    with pytest.raises(CellError):
        cells.multi(text, ("1", "2", "3"))


def test_org_code_of_2010_and_credit_code_of_2015():
    code = "12345678" + cells.org_check_char("12345678")
    assert cells.org_code(code) == code and cells.org_code(f"{code[:8]}-{code[8]}") == code
    assert cells.org_check_char("D2143569") == "X"  # GB 11714's own example: D2143569-X
    with pytest.raises(cells.CheckCharError, match="组织机构代码校验位"):
        cells.org_code(code[:8] + ("0" if code[8] != "0" else "1"))
    good = "91320800MA1M8ABC0"
    assert cells.org_code(good + cells.check_char(good)) == good + cells.check_char(good)
    with pytest.raises(cells.CheckCharError, match="统一社会信用代码校验位"):
        cells.org_code(good + ("0" if cells.check_char(good) != "0" else "1"))
    with pytest.raises(CellError, match="9位组织机构代码"):
        cells.org_code("1234")


def test_headers_match_ignoring_space_width_and_unit():
    assert cells.header_key("上年销售收入\n（万元）") == cells.header_key("上年销售收入(万元)") == "上年销售收入"
    assert cells.header_key(" 合同 金额 ") == "合同金额"


def test_text_of_keeps_what_a_person_sees():
    assert text_of(13805170101.0) == "13805170101"
    assert text_of(2.5) == "2.5"
    assert text_of("  ") is None


def test_a_choice_written_with_half_width_brackets_is_the_declared_choice():
    from tasks.intake.frame import _as_declared

    declared = ("高新技术产业增加值（期末）", "技术贸易额")
    assert _as_declared([cells.fold("高新技术产业增加值(期末)"), "技术贸易额", None, "别的"], declared) == [
        "高新技术产业增加值（期末）",
        "技术贸易额",
        None,
        "别的",
    ]
