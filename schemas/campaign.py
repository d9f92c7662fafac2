"""The campaign model: a work plan as data (config/campaigns/*.yaml), checked on load.

Structure is checked by pydantic; cross-references (owners, groups, forms, dates) by
schemas/campaign_checks.py, and schemas/loading.py reports every mistake at once, with the file,
the YAML line and the fix. Obligations and their schedules are in schemas/schedule.py (`periods`
is importable from here too).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from config.settings import CAMPAIGN_ID
from schemas.addresses import BadAddress, email_address
from schemas.forms import Condition, Form
from schemas.indicators import Evaluation, Indicator, Kpi, Target, Wording
from schemas.schedule import Event, Ladder, Obligation, periods
from schemas.strict import Model
from schemas.tracking import DemoMatter, MattersPolicy
from schemas.workdays import WorkCalendar

__all__ = ["Campaign", "Event", "Ladder", "Obligation", "periods"]

Role = Literal["liaison", "head"]


def _email(v: str) -> str:
    try:
        return email_address(v)
    except BadAddress:
        raise ValueError(f"“{v}”不是有效的电子邮箱地址") from None


Email = Annotated[str, Field(min_length=3)]


class Contact(Model):
    role: Role
    name: str
    email: Email
    mobile: str | None = None
    _check_email = field_validator("email")(_email)


class Unit(Model):
    name: str
    kind: str
    aliases: list[str] = Field([], description="other names a file may use for the unit (without the city's name)")
    contacts: list[Contact] = []
    mail_domains: list[str] = Field(
        default=[], description="the unit's own mail domains: a contact change inside them may apply at once"
    )


class ContactPolicy(Model):
    """Who may change who receives a unit's mail. By default every change of a liaison or head
    address waits for ops to approve it (a form file must not redirect a unit's reminders)."""

    auto_apply_within_domains: bool = Field(
        False, description="apply at once a change whose new addresses are all in the unit's mail_domains"
    )


class Group(Model):
    id: str
    name: str
    email: Email
    owns: list[str] = Field(description="ids of the obligations this group supervises")
    _check_email = field_validator("email")(_email)


class Leader(Model):
    name: str
    title: str = ""
    email: Email
    _check_email = field_validator("email")(_email)


class Window(Model):
    """A date window rules may refer to (e.g. the activity season 08-01..09-30)."""

    start: date
    end: date
    label: str = ""


class CalendarConfig(Model):
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []
    own_years: list[int] = []


class Briefings(Model):
    leaders: list[Leader] = []
    auto_approve: bool = False
    after_obligations: list[str] = Field(
        default=[], description="a monthly briefing follows each period's due date of these"
    )
    after_working_days: int | None = Field(
        None,
        ge=0,
        description="the briefing comes this many working days after each due date (default: the grace days + 1)",
    )
    dates: list[date] = Field([], description="set days of the briefings (the plan's 04-17, 07-17, 10-17)")
    unit_heads: list[str] = Field([], description="unit kinds whose current heads also receive the briefing")
    indicators: list[str] = Field(
        [], description="indicator or target keys shown first, in order (default: every indicator)"
    )
    all_targets: bool = Field(
        True, description="every target is shown, after the listed ones; false: only those listed"
    )
    wording: Wording = Wording()


class IntakePolicy(Model):
    """What is still accepted after a due date. By default nothing is locked: a late file is
    accepted and counted late."""

    closes_after_days: int | None = Field(
        None,
        ge=0,
        description="days after an obligation's due date (extension included) after which files for it "
        "are no longer accepted; unset: never closed",
    )


class Office(Model):
    """Whom a unit contacts about the campaign: every mail ends with it."""

    name: str = ""
    email: Email | None = None
    phone: str | None = None


class DemoExtension(Model):
    unit: str
    obligation: str
    granted_on: date
    new_due: date
    reason: str = "（演示）"


class DemoLiaison(Model):
    unit: str
    name: str
    email: Email


class Demo(Model):
    """How the synthetic units of `duban demo` behave, and what their files say."""

    start: date | None = None
    end: date | None = None
    seed: int = 2010
    never: list[str] = Field([], description="units that never send a form: their ladder runs to the end")
    extensions: list[DemoExtension] = []
    new_liaison: DemoLiaison | None = Field(None, description="a unit whose contacts form names a new liaison")
    samples: dict[str, list[str]] = Field({}, description="column key -> plausible values for its text cells")
    rows: dict[str, tuple[int, int]] = Field(
        {"default": (2, 5)}, description="new rows per file, fewest and most: per form code, or default"
    )
    matters: list[DemoMatter] = Field([], description="matters ops assign during the replay (督办事项)")


class Campaign(Model):
    id: str = Field(pattern=CAMPAIGN_ID.pattern)
    name: str
    organiser: str
    start: date
    end: date
    timezone: str = "Asia/Shanghai"
    calendar: CalendarConfig = CalendarConfig()
    kinds: dict[str, str] = Field(description="unit kind -> Chinese label")
    units: list[Unit] = Field(min_length=1)
    groups: list[Group] = Field(min_length=1)
    forms: list[Form] = Field(min_length=1, description="each form, or {include: path} of a form file")
    windows: dict[str, Window] = Field({}, description="named date windows for date-within rules")
    lists: dict[str, list[str]] = Field({}, description="named lists for in-list rules")
    obligations: list[Obligation] = Field(min_length=1)
    ladder: Ladder
    indicators: list[Indicator] = Field([], description="what briefings measure")
    targets: list[Target] = []
    kpi: Kpi | None = Field(None, description="a KPI form that measures the targets without an indicator")
    briefings: Briefings = Briefings()
    evaluation: Evaluation = Evaluation()
    contacts: ContactPolicy = ContactPolicy()
    events: list[Event] = []
    office: Office = Office()
    intake: IntakePolicy = IntakePolicy()
    matters: MattersPolicy = MattersPolicy()
    demo: Demo = Demo()

    @property
    def work_calendar(self) -> WorkCalendar:
        c = self.calendar
        return WorkCalendar.of(c.extra_holidays, c.extra_workdays, c.own_years)

    @model_validator(mode="after")
    def _obligations_know_the_calendar(self) -> Campaign:
        days = self.work_calendar
        for o in [*self.obligations, *self.events]:
            o._workdays = days
        return self

    def unit(self, name: str) -> Unit:
        return next(u for u in self.units if u.name == name)

    def form(self, code: str) -> Form:
        return next(f for f in self.forms if f.code == code)

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.measured() if i.key == key)

    def measured(self) -> list[Indicator]:
        """Every indicator: the declared ones, then one per target measured from the kpi form."""
        out = list(self.indicators)
        if self.kpi:
            out += [
                Indicator(
                    key=f"target_{t.key}",
                    label=t.label,
                    unit=t.unit,
                    form=self.kpi.form,
                    measure="sum",
                    column=self.kpi.value,
                    periods="latest",
                    where=(Condition(column=self.kpi.name, eq=t.label),),
                    display=t.display,
                )
                for t in self.targets
                if t.indicator is None
            ]
        return out

    def shown_indicators(self) -> list[str]:
        """The briefing's figures, in order: the listed keys (an indicator's, or a target's for the
        indicator measured against it), then, unless `all_targets: false`, every target not listed."""
        by_target = {t.key: self.indicator_of(t) for t in self.targets}
        listed = self.briefings.indicators
        keys = [by_target.get(k) or k for k in listed] if listed else [i.key for i in self.measured()]
        if self.briefings.all_targets:
            keys += [k for k in by_target.values() if k]
        return [k for k in dict.fromkeys(keys) if k]

    def indicator_of(self, target: Target) -> str | None:
        """The key of the indicator measured against `target`."""
        return target.indicator or (f"target_{target.key}" if self.kpi else None)

    def choices_of(self, form: Form, key: str) -> tuple[str, ...]:
        """The values a column takes: an in-list rule's list (the targets' labels, or a named
        list), else the column's own choices (enum, flag); empty when free."""
        for r in form.rules:
            if r.rule == "in-list" and r.column == key:
                return tuple(t.label for t in self.targets) if r.list == "targets" else tuple(self.lists[r.list])
        col = form.col(key)
        return col.choices if col.kind in ("enum", "flag") else ()

    def obligation_name(self, oid: str) -> str:
        """How a person names an obligation: its form's label and its title; a title that is its
        form's title is said once, never twice."""
        ob = self.obligation(oid)
        form = self.form(ob.form)
        if ob.title in (form.title, form.label) or form.label == form.title:
            return form.name if ob.title in (form.title, form.label) else ob.title
        return f"{form.label} {ob.title}"

    def obligation(self, oid: str) -> Obligation:
        return next(o for o in self.obligations if o.id == oid)

    def group_of(self, oid: str) -> Group:
        return next(g for g in self.groups if oid in g.owns)

    def ladder_of(self, oid: str) -> Ladder:
        return self.obligation(oid).ladder or self.ladder

    def briefing_days(self) -> list[date]:
        """The set `dates`, and for each listed obligation's due date the working day
        `after_working_days` later (by default the working day after its grace days)."""
        cal, b = self.work_calendar, self.briefings
        days = set(b.dates)
        for oid in b.after_obligations:
            later = (
                b.after_working_days if b.after_working_days is not None else self.ladder_of(oid).grace_working_days + 1
            )
            days.update(cal.shift(due, later) for _, due in periods(self.obligation(oid)))
        return sorted(days)

    @property
    def sender(self) -> str:
        """Who the campaign's mail is from: its office (name and address), so a clerk's reply
        reaches the office that signs it. Without an office address, a local one that `duban
        check` warns about: DUBAN_MAIL_FROM must then name the sender."""
        name = "".join(ch for ch in (self.office.name or self.organiser) if ch not in '<>",;\r\n').strip()
        return f"{name} <{self.office.email or 'duban@localhost'}>"

    def owners_of(self, ob: Obligation) -> list[Unit]:
        return [u for u in self.units if u.kind in ob.owners or u.name in ob.owners]
