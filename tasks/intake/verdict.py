"""What intake says about a file: typed issues and the verdict, as values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from schemas.period import period_label
from schemas.verdicts import SubmissionStatus, refusal_of

Severity = Literal["error", "warning"]
MAX_ISSUES = 1000  # a file's issues listed one by one (recorded, mailed, annotated); the rest are counted
MORE_ISSUES = "more-issues"  # the code of the one line that counts the rest
# what a file came to, as ops and clerks read it (the one map of these words)
STATUS_LABELS = {
    SubmissionStatus.ACCEPTED: "通过",
    SubmissionStatus.REJECTED: "退回更正",
    SubmissionStatus.UNREADABLE: "无法读取",
    SubmissionStatus.DUPLICATE: "重复文件",
    SubmissionStatus.REFUSED: "拒收",
    "crashed": "内部错误",
    SubmissionStatus.EXTERNAL: "系统外报送",
}


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str
    message: str  # Chinese, for a county clerk
    sheet: str | None = None
    row: int | None = None  # the Excel row number a person sees
    column: str | None = None  # the header as written in the file

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Verdict:
    """The answer for one file. `records` are the typed rows, stored when accepted."""

    filename: str
    unit: str | None = None
    form: str | None = None
    period: str | None = None
    issues: list[Issue] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    unreadable: bool = False
    sheet: str | None = None
    header_row: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    sheets: list[Any] = field(default_factory=list, repr=False)  # what was read, for the annotated copy
    omitted_errors: int = 0  # beyond MAX_ISSUES: counted, not listed (`cap_issues`)
    omitted_warnings: int = 0
    spent: float = 0.0  # seconds spent judging it, of the file's time budget (`budget.Budget`)

    @property
    def errors(self) -> list[Issue]:
        """The errors listed one by one (`error_count` counts those left out too)."""
        return [i for i in self.issues if i.severity == "error" and i.code != MORE_ISSUES]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning" and i.code != MORE_ISSUES]

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.omitted_errors

    @property
    def warning_count(self) -> int:
        return len(self.warnings) + self.omitted_warnings

    @property
    def status(self) -> SubmissionStatus:
        if self.unreadable:
            return SubmissionStatus.UNREADABLE
        return SubmissionStatus.REJECTED if self.error_count else SubmissionStatus.ACCEPTED

    @property
    def exit_code(self) -> int:
        return {SubmissionStatus.ACCEPTED: 0, SubmissionStatus.REJECTED: 1}.get(self.status, 2)

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "form": self.form,
            "period": self.period,
            "status": SubmissionStatus.REJECTED if self.unreadable else self.status,
            "rows": len(self.records),
            "issues": [i.as_json() for i in self.issues],
        }


def refusal(v: Verdict) -> str:
    """What the headline says of a file not taken (`schemas.verdicts.refusal_of`)."""
    return refusal_of(v.issues[0].code if v.issues else "")


def cap_issues(v: Verdict, limit: int = MAX_ISSUES) -> Verdict:
    """Keep `limit` issues, errors before warnings, in their order; count the rest in one last
    line ("另有 N 处错误未逐条列出"). A file with 300,000 wrong cells costs 1,001 recorded issues."""
    if len(v.issues) <= limit or v.issues[-1].code == MORE_ISSUES:  # (capped already)
        return v
    errors = sum(1 for i in v.issues if i.severity == "error")
    keep_warnings = max(0, limit - errors)
    kept, e, w = [], 0, 0
    for i in v.issues:
        if i.severity == "error" and e < limit:
            e += 1
            kept.append(i)
        elif i.severity != "error" and w < keep_warnings:
            w += 1
            kept.append(i)
    v.omitted_errors += errors - e
    v.omitted_warnings += len(v.issues) - errors - w
    v.issues = [*kept, Issue("error" if v.omitted_errors else "warning", MORE_ISSUES, _more(v))]
    return v


def _more(v: Verdict) -> str:
    parts = [
        f"{v.omitted_errors} 处错误" if v.omitted_errors else "",
        f"{v.omitted_warnings} 条提示" if v.omitted_warnings else "",
    ]
    return f"另有 {'、'.join(p for p in parts if p)}未逐条列出"


def summary(v: Verdict, *, form_title: str | None = None, limit: int = 20) -> str:
    """A short Chinese summary for the receipt: the verdict, then the first issues."""
    what = f"《{form_title}》" if form_title else f"文件“{v.filename}”"
    who = f"{v.unit}报送的" if v.unit else ""
    period = f"（{period_label(v.period)}）" if v.period else ""  # 2010年8月, not 2010-08
    if v.unreadable:
        return f"{who}{what}{refusal(v)}：{v.issues[0].message if v.issues else ''}"
    if v.status == SubmissionStatus.ACCEPTED:
        head = f"{who}{what}{period}已通过校验并受理，共 {len(v.records)} 行。"
        if v.warning_count:
            head += f"另有 {v.warning_count} 条提示，请核对（不影响受理）："
    else:
        head = f"{who}{what}{period}未通过校验：{v.error_count} 处错误需更正后重新报送"
        head += f"，另有 {v.warning_count} 条提示。" if v.warning_count else "。"
    shown = (v.errors + v.warnings)[:limit]
    lines = [head, *(f"{'错误' if i.severity == 'error' else '提示'}：{i.message}" for i in shown)]
    listed = len(v.errors) + len(v.warnings)
    if listed > limit:
        lines.append(f"……其余 {listed - limit} 条见附件中的批注工作簿。")
    if v.omitted_errors or v.omitted_warnings:
        lines.append(f"{_more(v)}。")
    return "\n".join(lines)
