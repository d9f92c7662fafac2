"""Duban's settings: one self-validating class, read once at the edge (env / .env)."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CAMPAIGNS_DIR = Path(__file__).resolve().parent / "campaigns"
CAMPAIGN_ID = re.compile(r"^[a-z0-9-]+$")  # it names a file: nothing else may reach the file system


class BadCampaignId(ValueError):
    """A campaign id that could name something other than a campaign file."""

    def __init__(self, value: object):
        super().__init__(f"活动编号“{value}”无效：只能由小写字母、数字和连字符组成（如 huaian-2010）")


def check_campaign_id(value: str) -> str:
    if not isinstance(value, str) or not CAMPAIGN_ID.fullmatch(value):
        raise BadCampaignId(value)
    return value


class Settings(BaseSettings):
    """Everything configurable, from `DUBAN_*` environment variables or a `.env` file.

    All state lives under `home` (`DUBAN_HOME`, default `./var`): the database (unless
    `DUBAN_DATABASE_URL` points elsewhere), received files, outgoing mail capture, briefings.
    """

    model_config = SettingsConfigDict(env_prefix="DUBAN_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production")
    home: Path = Path("var")
    database_url: SecretStr | None = None  # may carry a password: never printed
    campaign: str = "huaian-2010"
    campaigns_dir: Path = CAMPAIGNS_DIR

    # intake limits: a received file, what an xlsx archive may expand to, and what reading it
    # may cost in the reader child (see tasks/intake/parse.py: Limits)
    max_file_bytes: int = 20 * 1024 * 1024
    max_expanded_bytes: int = 200 * 1024 * 1024
    read_max_cells: int = 4_000_000
    read_max_columns: int = 1_000
    read_max_merged: int = 20_000
    read_memory_bytes: int = (
        512 << 20
    )  # bench_wild: a looping OLE .xls took a reader to 2 GB under 3 GB; 512 MiB reads every real file the same
    read_cpu_seconds: int = 30
    read_timeout_seconds: float = 60.0
    read_max_filled: int = 500_000  # non-empty cells of a file once merged cells are filled
    read_max_text: int = 10_000_000  # characters of a file once merged cells are filled
    read_max_reply_bytes: int = 64 * 1024 * 1024  # what intake accepts from the reader child per file
    read_budget_seconds: float = 30.0  # judging, annotating and recording one file; past it, "too complex"

    # outgoing mail; the default is the local capture server (`duban smtp-capture`)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout: float = 30.0
    smtp_connect_timeout: float = 5.0  # a server that does not answer is given up in seconds, not a minute
    smtp_concurrency: int = 4
    smtp_retries: int = 4  # attempts per message for 4xx answers and dropped connections
    smtp_backoff: float = 0.5  # seconds before the first retry; doubles each time
    send_lease_seconds: int = 900  # a claim by another host older than this is presumed dead
    max_escalations: int = 30  # more escalation notices (per recipient) in one sweep wait for ops to confirm
    mail_from: str = ""  # "名称 <address>": overrides the campaign's sender (its office); unset: the campaign's

    # the bureau's mailbox, read as an intake channel (`duban mailbox`, the mail-intake flow);
    # unset host: nobody reads mail. Handled mail is moved, never deleted.
    imap_host: str | None = None
    imap_port: int = 993
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_tls: bool = True
    imap_timeout: float = 30.0
    imap_max_message_bytes: int = 60 * 1024 * 1024
    imap_done_folder: str = "已处理"
    imap_failed_folder: str = "处理失败"
    # the authserv-id our own mail server writes in Authentication-Results: when set, a message
    # counts as from a unit's contact only if that server vouched for its From domain (DMARC,
    # or aligned DKIM/SPF); others are held for ops like mail from an unknown address
    imap_trusted_authserv: str | None = None
    # production reads no mailbox without the setting above, unless the operator says so here:
    # then the From address alone decides whose mail it is (anyone can forge it)
    imap_trust_from: bool = False

    # the units' pages (`duban portal`): the public base URL put into mails (behind a TLS proxy
    # in production), the signing keys of their links (comma-separated, newest last: the old ones
    # still open links while they rotate out), and the limits of what a unit may post
    portal_url: str = "http://127.0.0.1:8400"
    portal_secret: SecretStr | None = None
    portal_link_days: int = 60
    portal_cookie_minutes: int = 30
    portal_max_files: int = 5
    portal_uploads_per_hour: int = 30

    @field_validator("campaign")
    @classmethod
    def _campaign_id(cls, v: str) -> str:
        return check_campaign_id(v)

    @model_validator(mode="after")
    def _refuse_unsafe_mail(self) -> Settings:
        if self.smtp_username and not (self.smtp_starttls or self.smtp_tls):
            raise ValueError("设置了 SMTP 用户名时必须启用 DUBAN_SMTP_STARTTLS 或 DUBAN_SMTP_TLS：密码不能明文发送")
        if self.env == "production":
            pw = self.smtp_password.get_secret_value() if self.smtp_password else ""
            if self.smtp_username and pw in {"", "changeme", "changethis", "password"}:
                raise ValueError("生产环境必须通过环境变量 DUBAN_SMTP_PASSWORD 设置真实的 SMTP 密码")
            if not (self.smtp_starttls or self.smtp_tls):
                raise ValueError("生产环境必须启用 DUBAN_SMTP_STARTTLS 或 DUBAN_SMTP_TLS")
            if self.imap_host and not self.imap_tls:
                raise ValueError("生产环境读取邮箱必须启用 DUBAN_IMAP_TLS：邮箱密码不能明文发送")
            if not self.portal_secret or len(self.portal_secret.get_secret_value()) < 32:
                raise ValueError("生产环境必须通过环境变量 DUBAN_PORTAL_SECRET 设置至少 32 个字符的链接签名密钥")
            if not self.portal_url.startswith("https://"):
                raise ValueError("生产环境的 DUBAN_PORTAL_URL 必须是 https:// 地址（放在 TLS 反向代理之后）")
        return self

    @cached_property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.home / 'duban.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        """Received files, content-addressed by SHA-256 (kept as received, whatever their fate)."""
        return self.home / "files"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"

    @property
    def briefings_dir(self) -> Path:
        return self.home / "briefings"

    def portal_keys(self) -> list[str]:
        """The link-signing keys, newest last. Without DUBAN_PORTAL_SECRET (development only: the
        production check above refuses it) a random key is made once and kept under DUBAN_HOME."""
        if self.portal_secret:
            return [k.strip() for k in self.portal_secret.get_secret_value().split(",") if k.strip()]
        path = self.home / "portal.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".portal.key.")  # 0600, a name of its own
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)  # atomic: processes and threads starting at once agree on one key
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return [path.read_text().strip()]

    def campaign_path(self, campaign_id: str | None = None) -> Path:
        """The campaign file of `campaign_id` (checked: a flow parameter or a CLI argument
        like "../../x" never reaches the file system)."""
        return self.campaigns_dir / f"{check_campaign_id(campaign_id or self.campaign)}.yaml"


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment (call at the edge: CLI, flow entry, test fixture)."""
    return Settings(**overrides)  # type: ignore[arg-type]
