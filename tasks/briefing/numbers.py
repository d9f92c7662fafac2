"""Numbers as people write them in a briefing: 1,500,000万元 (or 150亿元 where the campaign says
so), never 1.5e+06; a change with its unit (+3项, +2.5个百分点)."""

from __future__ import annotations

from schemas.indicators import Display

NO_DATA = "暂无数据"


def grouped(v: float, digits: int = 1) -> str:
    """1,500,000 · 7,783.5 · 0.25 · -3: thousands grouped, trailing zeros dropped, no exponent."""
    s = f"{v:,.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def scaled(v: float, unit: str, digits: int, display: Display | None) -> tuple[float, str, int]:
    """The value, unit and decimals shown: divided into the campaign's display unit if it has one."""
    if display is None:
        return v, unit, digits
    return v / display.divide_by, display.unit, digits if display.digits is None else display.digits


def quantity(v: float, unit: str = "", digits: int = 1, display: Display | None = None) -> str:
    """1,500,000万元, or 150亿元 with a display of 亿元 ÷ 10000."""
    v, unit, digits = scaled(v, unit, digits, display)
    return f"{grouped(v, digits)}{unit}"


def change(c: float | None, unit: str = "", digits: int = 1, display: Display | None = None, *, percent=False) -> str:
    """+3项, -2.5万元, +3.3个百分点 (a rate changes by points), 持平 for none, — with nothing to compare."""
    if c is None:
        return "—"
    if not c:
        return "持平"
    if percent:
        return f"{c * 100:+.1f}个百分点"
    v, unit, digits = scaled(c, unit, digits, display)
    return f"{'+' if v > 0 else ''}{grouped(v, digits)}{unit}"
