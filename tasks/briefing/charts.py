"""Charts as PNG bytes (matplotlib, Agg), with a CJK font that really renders."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from functools import cache

from tasks.briefing.numbers import NO_DATA, grouped

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
DPI = 110


@cache
def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib  # deferred: matplotlib costs ~0.5 s, only briefings draw

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not any(f in installed for f in CJK_FONTS):  # installed after matplotlib cached its font list
        for path in _system_cjk_fonts():
            font_manager.fontManager.addfont(path)
        installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [f for f in CJK_FONTS if f in installed]
    if not found:
        raise RuntimeError(
            "没有可用的中文字体：请安装 fonts-wqy-microhei（Debian: apt-get install fonts-wqy-microhei），"
            "或其他系统上的 Noto Sans CJK / 微软雅黑"
        )
    plt.rcParams["font.family"] = found
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _system_cjk_fonts() -> list[str]:

    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=30).stdout
    return [line.split(":")[0] for line in out.splitlines() if line.strip()]


def font_family() -> str:
    plt = _pyplot()
    return plt.rcParams["font.family"][0]


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    """PNG bytes. Margins are set by the caller, not by bbox_inches="tight", which draws the figure
    twice (half the time of a 100-unit chart)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 3})
    _pyplot().close(fig)
    return buf.getvalue()


def _text_inches(label: str, size_pt: float) -> float:
    """Width of a one-line label: CJK characters are one em wide, others about 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in label) * size_pt / 72


def completeness_chart(
    units: list[str], completeness: list[float], timeliness: list[float], *, title: str = "各单位报送完整率与及时率"
) -> bytes:
    plt = _pyplot()
    if not units:
        fig = plt.figure(figsize=(7.5, 2.5))
        no_data(fig, fig.add_axes((0.05, 0.05, 0.9, 0.9)))
        return _png(fig)
    size = 8 if len(units) > 30 else 10
    left = max((_text_inches(u, size) for u in units), default=0.5) + 0.25  # room for the unit names
    plot_w, h = 6.8, max(3.0, 0.28 * len(units) + 1.2)
    w = left + plot_w + 0.3
    fig = plt.figure(figsize=(w, h))
    ax = fig.add_axes((left / w, 0.55 / h, plot_w / w, (h - 1.0) / h))
    y = list(range(len(units)))[::-1]
    ax.barh([v + 0.2 for v in y], [c * 100 for c in completeness], height=0.4, color="#8b1a1a", label="完整率")
    ax.barh([v - 0.2 for v in y], [t * 100 for t in timeliness], height=0.4, color="#d9a441", label="及时率")
    ax.set_yticks(y, units, fontsize=size)
    ax.set_ylim(-0.7, len(units) - 0.3)
    ax.set_xlim(0, 100)
    ax.set_xlabel("%", labelpad=1)
    # Title and legend in figure coordinates: an axes title re-measures all tick labels to place itself.
    fig.text((left + plot_w / 2) / w, 1 - 0.2 / h, title, ha="center", va="top", fontsize=12)
    fig.legend(
        loc="upper right", bbox_to_anchor=((left + plot_w) / w, 1 - 0.05 / h), ncols=2, fontsize=9, frameon=False
    )
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def no_data(fig, ax) -> None:  # type: ignore[no-untyped-def]
    """An empty chart says so, instead of drawing an axis around nothing."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=16, color="#888", transform=ax.transAxes)


def drawable(
    points: list[tuple[str, float | None]], target: float | None = None, milestones: list[tuple[str, float]] = ()
) -> bool:  # type: ignore[assignment]
    """Pure: whether a trend has anything to draw an axis for. All zeros (or nothing reported) and no
    target is no data: the chart says 暂无数据 instead of an empty −0.04…0.04 axis."""
    return bool(points) and bool(any(v for _, v in points) or target or any(v for _, v in milestones))


def _axis_numbers(ax) -> None:  # type: ignore[no-untyped-def]
    """Axis ticks as people write numbers (1,500,000), never matplotlib's 1e6 offset."""
    from matplotlib.ticker import FuncFormatter  # deferred with matplotlib itself

    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: grouped(x, 2)))


def trend_chart(
    label: str,
    unit: str,
    points: list[tuple[str, float | None]],
    *,
    target: float | None = None,
    milestones: list[tuple[str, float]] = (),
) -> bytes:  # type: ignore[assignment]
    """An indicator's value at each period (bars; 暂无数据 where nobody reported), with its milestones
    and its target as lines, named with their units in a legend under the plot (labels on the lines
    overlapped one another and ran off the edge)."""
    return _png(trend_figure(label, unit, points, target=target, milestones=milestones))


def trend_figure(
    label: str,
    unit: str,
    points: list[tuple[str, float | None]],
    *,
    target: float | None = None,
    milestones: list[tuple[str, float]] = (),
):  # type: ignore[assignment,no-untyped-def]
    """The trend chart's matplotlib figure (tests measure where its labels fall)."""
    plt = _pyplot()
    lines = len(milestones) + (target is not None) + 1
    legend_h = 0.2 * ((lines + 1) // 2)
    h = 2.6 + legend_h
    fig = plt.figure(figsize=(4.6, h))
    ax = fig.add_axes((0.16, (0.35 + legend_h) / h, 0.8, (h - 0.75 - legend_h) / h))
    fig.text(0.5, 1 - 0.06 / h, f"{label}（{unit}）" if unit else label, ha="center", va="top", fontsize=11)
    if not drawable(points, target, milestones):
        no_data(fig, ax)
        return fig
    names, values = [p for p, _ in points], [v for _, v in points]
    ax.bar(names, [v or 0 for v in values], color="#d9a441", label="完成值", width=0.6)
    top = max(
        [v for v in values if v is not None] + [t for t in (target,) if t is not None] + [v for _, v in milestones]
    )
    for i, v in enumerate(values):  # a period nobody reported says so, in grey, instead of drawing 0
        style = {"fontsize": 7, "color": "#888"} if v is None else {"fontsize": 8, "color": "#222"}
        ax.text(i, v or 0, NO_DATA if v is None else grouped(v), ha="center", va="bottom", **style)
    palette = ("#3b6ea5", "#5a9e6f", "#7d5ba6", "#a0522d")
    for n, (text, value) in enumerate(milestones):
        color = palette[n % len(palette)]
        ax.axhline(value, color=color, linestyle=":", linewidth=1.2, label=f"{text}：{grouped(value)}{unit}")
    if target is not None:
        ax.axhline(target, color="#8b1a1a", linestyle="--", linewidth=1.2, label=f"目标：{grouped(target)}{unit}")
    ax.set_ylim(0, (top or 1) * 1.15)
    _axis_numbers(ax)
    ax.tick_params(axis="x", labelsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.01), ncols=2, fontsize=7.5, frameon=False)
    return fig
