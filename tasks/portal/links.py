"""Signed links to a unit's page: expiring, revocable per unit, reusable until they expire.

A link carries (unit id, link version) signed with itsdangerous under a salt; the version lives
in the database (`Unit.link_version`), so `revoke` voids every link and cookie of one unit at
once. Keys come from DUBAN_PORTAL_SECRET as a list, newest last: links signed with an older key
keep opening while it rotates out. Mail scanners open every link, so opening one never uses it up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from schemas.campaign import Campaign
from schemas.tables import Unit
from tasks.calendar import now_local

LINK_SALT = "duban.unit-link"
COOKIE_SALT = "duban.unit-session"
CSRF_SALT = "duban.csrf"


class LinkError(Exception):
    """A link or cookie that opens nothing; `str()` is the page's message, `status` its HTTP code."""

    def __init__(self, kind: str, message: str, status: int = 403):
        self.kind = kind
        self.status = status
        super().__init__(message)


TAMPERED = "链接无效：链接不完整或被改动过。请从{organiser}最近发来的邮件中重新打开链接。"
EXPIRED = "链接已过期。请打开{organiser}最近发来的邮件中的链接，或联系{organiser}重新发送。"
REVOKED = "链接已停用（本单位的链接已被{organiser}更换）。请打开{organiser}最近发来的邮件中的链接。"
SESSION_OVER = "页面已过期，请从邮件中的链接重新进入。"


@dataclass(frozen=True)
class Link:
    unit: str
    url: str
    expires_at: datetime

    def as_json(self) -> dict[str, str]:
        return {"unit": self.unit, "url": self.url, "expires_at": self.expires_at.isoformat(timespec="seconds")}


def serializer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    return _serializer(tuple(settings.portal_keys()), salt)


@lru_cache(maxsize=16)
def _serializer(keys: tuple[str, ...], salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(list(keys), salt=salt)


@lru_cache(maxsize=4096)
def _token(keys: tuple[str, ...], unit_id: int, version: int, minute: int) -> str:
    """A unit's link token, signed once a minute at most: a batch of receipts for one unit shares it
    (the token's own timestamp is when it was signed; a minute earlier changes no expiry in days)."""
    return _serializer(keys, LINK_SALT).dumps({"u": unit_id, "v": version})


def make_link(settings: Settings, unit: Unit, *, now: datetime | None = None) -> Link:
    """A link to `unit`'s page, valid for DUBAN_PORTAL_LINK_DAYS from now."""
    token = _token(tuple(settings.portal_keys()), unit.id, unit.link_version, int(time.time() // 60))
    now = now or datetime.now().astimezone()
    return Link(
        unit.name, f"{settings.portal_url.rstrip('/')}/u/{token}", now + timedelta(days=settings.portal_link_days)
    )


def link_for(session: Session, settings: Settings, campaign: Campaign, unit_name: str) -> Link | None:
    unit = session.scalar(select(Unit).where(Unit.campaign == campaign.id, Unit.name == unit_name))
    return make_link(settings, unit, now=now_local(campaign.timezone)) if unit else None


class LinkMaker:
    """Links for the mails of one run: each unit's link made once (signing costs ~20 µs, the
    unit lookup a query)."""

    def __init__(self, session: Session, settings: Settings, campaign: Campaign):
        units = session.scalars(select(Unit).where(Unit.campaign == campaign.id)).all()
        self._units = {u.name: u for u in units}
        self._settings = settings
        self._made: dict[str, str] = {}

    def __call__(self, unit_name: str | None) -> str | None:
        if unit_name is None or unit_name not in self._units:
            return None
        if unit_name not in self._made:
            self._made[unit_name] = make_link(self._settings, self._units[unit_name]).url
        return self._made[unit_name]


def revoke(session: Session, campaign: Campaign, unit_name: str) -> int:
    """Void every link and page session of one unit; returns the new version."""
    unit = session.scalar(select(Unit).where(Unit.campaign == campaign.id, Unit.name == unit_name))
    if unit is None:
        raise LinkError("unknown", f"“{unit_name}”不是本活动的填报单位", 404)
    unit.link_version += 1
    session.flush()
    return unit.link_version


def open_token(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    token: str,
    *,
    salt: str = LINK_SALT,
    max_age: int | None = None,
) -> Unit:
    """The unit a link (or page cookie) opens, or `LinkError` saying why not."""
    return open_token_payload(session, settings, campaign, token, salt=salt, max_age=max_age)[0]


def open_token_payload(
    session: Session,
    settings: Settings,
    campaign: Campaign,
    token: str,
    *,
    salt: str = LINK_SALT,
    max_age: int | None = None,
) -> tuple[Unit, dict]:
    """`open_token`, with the token's checked payload (a page cookie carries its CSRF nonce)."""
    max_age = max_age if max_age is not None else settings.portal_link_days * 86400

    def fail(kind: str, message: str, status: int) -> LinkError:
        return LinkError(kind, message.format(organiser=campaign.organiser), status)

    try:
        payload = serializer(settings, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise fail("expired", EXPIRED if salt == LINK_SALT else SESSION_OVER, 410) from None
    except BadSignature:
        raise fail("tampered", TAMPERED if salt == LINK_SALT else SESSION_OVER, 403) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int) or not isinstance(payload.get("v"), int):
        raise fail("tampered", TAMPERED, 403)
    unit = session.get(Unit, payload["u"])
    if unit is None or unit.campaign != campaign.id:
        raise fail("tampered", TAMPERED, 403)
    if unit.link_version != payload["v"]:
        raise fail("revoked", REVOKED, 403)
    return unit, payload
