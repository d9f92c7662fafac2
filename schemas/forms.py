"""Forms as campaign data: the columns a unit fills in and the rules a file must meet.

A campaign file declares its forms (or includes form files shared between campaigns); nothing
about a form is Python. From these declarations come header matching and identification, the
Great Expectations suite of each form, the cross-column rules, the blank templates and the
stored rows. `docs/campaign-format.md` explains every key with an example.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from schemas.strict import Model
from schemas.tracking import Tracks

Kind = Literal[
    "text",
    "number",
    "money",
    "int",
    "date",
    "enum",
    "multi",
    "flag",
    "phone",
    "mobile",
    "landline",
    "email",
    "org-code",
]
Severity = Literal["error", "warning"]
KEY = r"^[a-z][a-z0-9_]*$"
NUMERIC = ("number", "money", "int")


class Column(Model):
    """One column of a form, as the bureau's template has it."""

    key: str = Field(pattern=KEY, description="name of the value in stored rows, indicators and rules")
    header: str = Field(description="the header as in the template, without the unit in brackets")
    aliases: tuple[str, ...] = Field((), description="other headers accepted for this column")
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = Field((), description="enum/multi: the allowed values; flag: [yes, no]")
    unit: str = Field("", description="shown in brackets in the template, e.g. 万元")
    min: float | None = Field(None, description="number/money/int: the smallest allowed (money and int: 0 by default)")
    max: float | None = None
    hint: str = Field("", description="what the template's 填表说明 says about this column")

    @property
    def template_header(self) -> str:
        return f"{self.header}（{self.unit}）" if self.unit else self.header

    @property
    def lower(self) -> float | None:
        return self.min if self.min is not None else (0 if self.kind in ("money", "int") else None)

    @model_validator(mode="after")
    def _choices_fit_the_kind(self) -> Column:
        if self.kind == "flag" and len(self.choices) != 2:
            raise ValueError(f"“{self.header}”是 flag（二选一）列：choices 应为两项，如 [是, 否]")
        if self.kind in ("enum", "multi") and not self.choices:
            raise ValueError(f"“{self.header}”是 {self.kind} 列：请用 choices 列出可选的值")
        if self.kind not in ("enum", "multi", "flag") and self.choices:
            raise ValueError(f"“{self.header}”的 choices 只用于 enum、multi 或 flag 列")
        return self


Scalar = str | float | bool
# what lt/le/gt/ge compare with: a number, a date, or the day the condition is looked at ("as_of":
# the briefing's day in an indicator, the day the file arrived in a rule)
Bound = float | date | Literal["as_of"]


class Condition(Model):
    """A test on one cell of a row; exactly one operator besides `column`."""

    column: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: tuple[Scalar, ...] | None = Field(None, alias="in")
    lt: Bound | None = None
    le: Bound | None = None
    gt: Bound | None = None
    ge: Bound | None = None
    empty: bool | None = None
    shorter_than: int | None = Field(None, description="text shorter than this many characters")
    lt_column: str | None = Field(None, description="less than the value in another column of the row")

    @property
    def operator(self) -> tuple[str, Any]:
        found = [(k, v) for k, v in self if k != "column" and v is not None]
        return found[0]

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        n = sum(1 for k, v in self if k != "column" and v is not None)
        if n != 1:
            raise ValueError(
                f"条件（{self.column}）应有且只有一个比较：eq、ne、in、lt、le、gt、ge、empty、shorter_than 或 lt_column"
            )
        return self


# the placeholders each rule fills in its message (docs/campaign-format.md lists them)
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "required-when": ("value", "other"),
    "date-order": ("value", "other"),
    "date-within": ("value", "start", "end"),
    "unique": ("value", "first"),
    "at-least": ("count", "n"),
    "at-most": ("count", "n"),
    "when": ("value", "other", "length"),
    "in-list": ("value",),
    "kind-when": ("value", "min", "max"),
}
_BRACED = re.compile(r"\{([^{}]*)\}")


class RuleBase(Model):
    severity: Severity | None = Field(
        None, description="error blocks acceptance; warning is reported (rule's default if absent)"
    )
    message: str | None = Field(
        None,
        description="in Chinese, after “第N行“列名””; may use the rule's placeholders: "
        "{value}, {other}, {length}, {count}, {n}, {first}, {start}, {end}",
    )
    code: str | None = Field(None, description="a stable code for the issue (the rule's default if absent)")


def placeholder_problem(rule: Any) -> str | None:
    """Pure: the placeholders of a rule's message that its rule does not fill, said for the author."""
    allowed = PLACEHOLDERS.get(rule.rule, ())
    unknown = [m for m in _BRACED.findall(rule.message or "") if m not in allowed]
    if not unknown:
        return None
    return (
        f"消息中的占位符 {'、'.join('{' + u + '}' for u in unknown)} 不适用于 {rule.rule} 规则"
        f"（可用：{'、'.join('{' + a + '}' for a in allowed)}）"
    )


class RequiredWhen(RuleBase):
    """`column` must be filled when every condition holds (and be above 0 with `positive`)."""

    rule: Literal["required-when"]
    column: str
    when: tuple[Condition, ...] = Field(min_length=1)
    positive: bool = False


class DateOrder(RuleBase):
    """`then` must not be before `first`, both dates of the same row."""

    rule: Literal["date-order"]
    first: str
    then: str


class DateWithin(RuleBase):
    """A date inside the report period, or inside a window the campaign declares."""

    rule: Literal["date-within"]
    column: str
    window: str = Field("period", description="period (the file's report period) or a key of the campaign's windows")
    bound: Literal["both", "start", "end"] = Field(
        "both", description="end: only not after it; start: only not before it"
    )


class Unique(RuleBase):
    """No two rows with the same values in `columns`."""

    rule: Literal["unique"]
    columns: tuple[str, ...] = Field(min_length=1)


class AtLeast(RuleBase):
    """At least `count` rows with `value` in `column` (one 组长, one 联络员)."""

    rule: Literal["at-least"]
    column: str
    value: str
    count: int = Field(1, ge=1)


class AtMost(RuleBase):
    """At most `count` rows (with `value` in `column`, when given)."""

    rule: Literal["at-most"]
    count: int = Field(ge=0)
    column: str | None = None
    value: str | None = None


class When(RuleBase):
    """An issue on `column` (the first condition's, by default) when every condition holds."""

    rule: Literal["when"]
    conditions: tuple[Condition, ...] = Field(min_length=1)
    column: str | None = None


class KindWhen(RuleBase):
    """A number column's kind or bounds for the rows where every condition holds: on a KPI form,
    counts are whole numbers while 资金（万元） is a decimal and a share (%) lies in 0–100."""

    rule: Literal["kind-when"]
    column: str
    when: tuple[Condition, ...] = Field(min_length=1)
    kind: Literal["int", "number"] = Field("number", description="int: a whole number in these rows")
    min: float | None = None
    max: float | None = None


class InList(RuleBase):
    """Values from a list the campaign declares: `targets` (their labels) or a key of `lists`."""

    rule: Literal["in-list"]
    column: str
    list: str


Rule = Annotated[
    RequiredWhen | DateOrder | DateWithin | Unique | AtLeast | AtMost | When | InList | KindWhen,
    Field(discriminator="rule"),
]
RULE_NAMES = (
    "required-when",
    "date-order",
    "date-within",
    "unique",
    "at-least",
    "at-most",
    "when",
    "in-list",
    "kind-when",
)
DEFAULT_SEVERITY = {"at-most": "warning", "when": "warning"}


class ContactsOf(Model):
    """Declares the form that lists a unit's contacts: which column says the role, and which
    role in words (组长) is which role of the mail (head gets escalations, liaison reminders)."""

    role: str = Field(description="the column holding the role in words")
    roles: dict[str, Literal["liaison", "head", "deputy", "member"]]
    name: str = "name"
    email: str = "email"
    mobile: str | None = "mobile"
    phone: str | None = "phone"
    position: str | None = "position"


class Form(Model):
    """A form units fill in (an Excel table), or a document (`document: true`)."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="stable id, e.g. tech-needs")
    label: str = Field(description="what people call it, e.g. the number of its annex")
    title: str
    document: bool = Field(False, description="a document (docx, pdf, txt), kept and counted, not a table")
    meaning: Literal["cumulative", "incremental"] = Field(
        "incremental", description="a periodic report: the state as of its period (cumulative) or that period only"
    )
    versions: Literal["replace", "accumulate"] = Field(
        "replace",
        description="replace: a new file for the same period replaces the last; accumulate: rows add up, "
        "a row with the same key corrects the earlier one",
    )
    key: tuple[str, ...] = Field((), description="the columns that identify a row (accumulate)")
    columns: tuple[Column, ...] = ()
    rules: tuple[Rule, ...] = ()
    notes: tuple[str, ...] = Field((), description="lines for the template's 填表说明")
    contacts: ContactsOf | None = Field(None, description="this form is the unit's contact list")
    tracks: Tracks | None = Field(None, description="this form's rows are matters followed to closure (督办事项)")

    @model_validator(mode="after")
    def _tracked_columns_required(self) -> Form:
        """`tracks:` implies its identity and deadline columns are required in every row (a matter
        is named and has a deadline): the template, the header check and the suite then say so."""
        if self.tracks is None:
            return self
        keys = {*self.tracks.id, self.tracks.deadline}
        cols = tuple(c.model_copy(update={"required": True}) if c.key in keys else c for c in self.columns)
        object.__setattr__(self, "columns", cols)  # part of loading it: once loaded, it never changes
        return self

    def col(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    @property
    def name(self) -> str:
        """How a person names it: its label and title, or the title alone when they are one."""
        return self.title if self.label == self.title else f"{self.label} {self.title}"


def referenced_columns(rule: Any) -> list[tuple[tuple, str]]:
    """(location inside the rule, column key) of every column a rule names."""
    out: list[tuple[tuple, str]] = []
    for field in ("column", "first", "then"):
        v = getattr(rule, field, None)
        if isinstance(v, str):
            out.append(((field,), v))
    for i, c in enumerate(getattr(rule, "columns", None) or ()):
        out.append((("columns", i), c))
    for field in ("when", "conditions"):
        for i, cond in enumerate(getattr(rule, field, None) or ()):
            out.append(((field, i, "column"), cond.column))
            if cond.lt_column:
                out.append(((field, i, "lt_column"), cond.lt_column))
    return out
