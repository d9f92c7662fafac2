"""Defence in depth: campaign ids never reach the file system, secrets stay secret, no login in clear."""

import pytest
from pydantic import SecretStr, ValidationError

from config.settings import BadCampaignId, Settings
from tests.flows.cli.test_foundation import run


@pytest.mark.unit
@pytest.mark.parametrize("bad", ["../../x", "huaian-2010/../../etc", "Huaian", "a b", "x.yaml", ""])
def test_a_campaign_id_is_checked_wherever_it_enters(bad, tmp_path):
    s = Settings(home=tmp_path, _env_file=None)  # type: ignore[call-arg]
    with pytest.raises(BadCampaignId, match="只能由小写字母、数字和连字符组成"):
        s.campaign_path(bad or " ")
    with pytest.raises(ValidationError):
        Settings(home=tmp_path, campaign=bad or " ", _env_file=None)  # type: ignore[call-arg]


@pytest.mark.integration
def test_the_cli_refuses_a_bad_campaign_id_in_chinese(tmp_path):
    r = run(["calendar", "--campaign", "../../etc/passwd"], tmp_path / "var")
    assert r.returncode == 2 and "活动编号" in r.stderr and "Traceback" not in r.stderr
    r = run(["calendar"], tmp_path / "var", DUBAN_CAMPAIGN="../x")
    assert r.returncode == 2 and "DUBAN_CAMPAIGN" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.unit
def test_a_flow_parameter_cannot_name_another_file(tmp_path, monkeypatch):
    from tasks.app.open import open_app

    monkeypatch.setenv("DUBAN_HOME", str(tmp_path))
    with pytest.raises(BadCampaignId):
        open_app("../../x")


@pytest.mark.unit
def test_smtp_login_without_tls_is_refused_in_every_mode(tmp_path):
    for env in ("development", "production"):
        with pytest.raises(ValidationError, match="明文"):
            Settings(home=tmp_path, env=env, smtp_username="kqh", smtp_password="s3cret-value", _env_file=None)  # type: ignore[call-arg]
    ok = Settings(home=tmp_path, smtp_username="kqh", smtp_password="s3cret-value", smtp_starttls=True, _env_file=None)  # type: ignore[call-arg]
    assert ok.smtp_starttls


@pytest.mark.unit
def test_the_database_url_is_a_secret(tmp_path):
    s = Settings(home=tmp_path, database_url="postgresql+psycopg://duban:hunter2@db/duban", _env_file=None)  # type: ignore[call-arg]
    assert isinstance(s.database_url, SecretStr) and "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())
    assert s.db_url.endswith("hunter2@db/duban")


@pytest.mark.unit
def test_gx_analytics_are_off_once_gx_is_imported():
    import os

    from tasks.intake.gx import import_gx

    import_gx()
    assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
