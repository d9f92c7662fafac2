"""A campaign mails in its own name (issue 24.2): the sender comes from the campaign's office,
DUBAN_MAIL_FROM overrides it, and no default of the settings names any campaign's organisation."""

from datetime import datetime
from email.utils import parseaddr

import pytest

from config.settings import Settings
from schemas.loading import load_campaign
from tests import ROOT

CAMPAIGNS = sorted(
    [*(ROOT / "config" / "campaigns").glob("*.yaml"), *(ROOT / "tests" / "data" / "campaigns").glob("*.yaml")]
)


@pytest.mark.unit
def test_no_default_setting_names_any_campaigns_organisation():
    defaults = " ".join(str(f.default) for f in Settings.model_fields.values() if f.default is not None)
    for path in CAMPAIGNS:
        c = load_campaign(path)
        words = {c.organiser, c.office.name, c.office.email, c.name} - {None, ""}
        named = [w for w in words if w in defaults]
        assert not named, f"{path.name}: the settings' defaults name {named}"


@pytest.mark.integration
@pytest.mark.parametrize(
    "campaign_id,sender",
    [
        ("huaian-2010", ("市科洽会组委会办公室", "kqh@kjj.huaian.example.cn")),
        ("self-innovation", ("科技自主创新工程指挥部办公室", "office@zzcx.example.cn")),
    ],
)
def test_each_campaigns_mail_goes_out_from_its_own_office(tmp_path, campaign_id, sender, smtp):
    from schemas.campaign import periods
    from tasks.app.open import open_app
    from tasks.reminders.job import sweep_day

    settings = Settings(home=tmp_path / "var", smtp_port=smtp.port, _env_file=None)  # type: ignore[call-arg]
    app = open_app(campaign_id, settings=settings)
    assert parseaddr(app.settings.mail_from) == sender
    day = app.workdays.shift(periods(app.campaign.obligations[0])[0][1], 3)  # escalations are due
    result = sweep_day(app, day, confirmed_by="测试", now=datetime.combine(day, datetime.min.time()).replace(hour=9))
    app.store.dispose()
    assert result.decisions and smtp.received, "the sweep sent nothing"
    assert {(m["From"].addresses[0].display_name, m["From"].addresses[0].addr_spec) for m in smtp.received} == {sender}


@pytest.mark.unit
def test_duban_mail_from_overrides_the_campaign(tmp_path, monkeypatch):
    from tasks.app.open import open_app

    monkeypatch.setenv("DUBAN_MAIL_FROM", "督查室 <duchashi@example.cn>")
    app = open_app("self-innovation", settings=Settings(home=tmp_path / "var", _env_file=None))  # type: ignore[call-arg]
    assert app.settings.mail_from == "督查室 <duchashi@example.cn>"
    app.store.dispose()
