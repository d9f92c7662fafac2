"""What intake says about a file: typed issues and the verdict, as values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
# what a file came to, as ops and clerks read it (the one map of these words)
STATUS_LABELS = {"accepted": "通过", "rejected": "退回更正", "unreadable": "无法读取", "duplicate": "重复文件",
                 "refused": "拒收", "crashed": "内部错误", "external": "系统外报送"}


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

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def status(self) -> str:
        if self.unreadable:
            return "unreadable"
        return "rejected" if self.errors else "accepted"

    @property
    def exit_code(self) -> int:
        return {"accepted": 0, "rejected": 1}.get(self.status, 2)

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "form": self.form,
            "period": self.period,
            "status": "rejected" if self.unreadable else self.status,
            "rows": len(self.records),
            "issues": [i.as_json() for i in self.issues],
        }


def summary(v: Verdict, *, form_title: str | None = None, limit: int = 20) -> str:
    """A short Chinese summary for the receipt: the verdict, then the first issues."""
    what = f"《{form_title}》" if form_title else f"文件“{v.filename}”"
    who = f"{v.unit}报送的" if v.unit else ""
    period = f"（{v.period}）" if v.period else ""
    if v.unreadable:
        head = f"{who}{what}无法读取，未能受理：{v.issues[0].message if v.issues else ''}"
        return head
    if v.status == "accepted":
        head = f"{who}{what}{period}已通过校验并受理，共 {len(v.records)} 行。"
        if v.warnings:
            head += f"另有 {len(v.warnings)} 条提示，请核对（不影响受理）："
    else:
        head = f"{who}{what}{period}未通过校验：{len(v.errors)} 处错误需更正后重新报送"
        head += f"，另有 {len(v.warnings)} 条提示。" if v.warnings else "。"
    shown = (v.errors + v.warnings)[:limit]
    lines = [head, *(f"{'错误' if i.severity == 'error' else '提示'}：{i.message}" for i in shown)]
    if len(v.issues) > limit:
        lines.append(f"……其余 {len(v.issues) - limit} 条见附件中的批注工作簿。")
    return "\n".join(lines)
