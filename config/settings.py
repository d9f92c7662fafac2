"""Duban's settings: one self-validating class, read once at the edge (env / .env)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CAMPAIGNS_DIR = Path(__file__).resolve().parent / "campaigns"


class Settings(BaseSettings):
    """Everything configurable, from `DUBAN_*` environment variables or a `.env` file.

    All state lives under `home` (`DUBAN_HOME`, default `./var`): the database (unless
    `DUBAN_DATABASE_URL` points elsewhere), received files, outgoing mail capture, briefings.
    """

    model_config = SettingsConfigDict(env_prefix="DUBAN_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production")
    home: Path = Path("var")
    database_url: str | None = None
    campaign: str = "huaian-2010"
    campaigns_dir: Path = CAMPAIGNS_DIR
    timezone: str = "Asia/Shanghai"

    # intake limits (bytes): a received file, and what an xlsx archive may expand to
    max_file_bytes: int = 20 * 1024 * 1024
    max_expanded_bytes: int = 200 * 1024 * 1024

    # outgoing mail; the default is the local capture server (`duban smtp-capture`)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout: float = 30.0
    smtp_concurrency: int = 4
    smtp_retries: int = 4  # attempts per message for 4xx answers and dropped connections
    smtp_backoff: float = 0.5  # seconds before the first retry; doubles each time
    send_lease_seconds: int = 900  # a claim by another host older than this is presumed dead
    mail_from: str = "淮安市科洽会组委会 <kqh@kjj.huaian.example.cn>"

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.env == "production":
            pw = self.smtp_password.get_secret_value() if self.smtp_password else ""
            if self.smtp_username and pw in {"", "changeme", "changethis", "password"}:
                raise ValueError("生产环境必须通过环境变量 DUBAN_SMTP_PASSWORD 设置真实的 SMTP 密码")
            if not (self.smtp_starttls or self.smtp_tls):
                raise ValueError("生产环境必须启用 DUBAN_SMTP_STARTTLS 或 DUBAN_SMTP_TLS")
        return self

    @cached_property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
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

    def campaign_path(self, campaign_id: str | None = None) -> Path:
        return self.campaigns_dir / f"{campaign_id or self.campaign}.yaml"


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment (call at the edge: CLI, flow entry, test fixture)."""
    return Settings(**overrides)  # type: ignore[arg-type]
