import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.integration]


def test_sweep_json_contract_dry_run_writes_nothing_to_send(tmp_path):
    env = {**os.environ, "DUBAN_HOME": str(tmp_path / "var")}
    env.pop("DUBAN_DATABASE_URL", None)
    r = subprocess.run(
        [sys.executable, "-m", "flows.cli", "sweep", "--as-of", "2010-09-14", "--dry-run", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    items = json.loads(r.stdout)
    assert set(items[0]) == {"unit", "obligation", "form", "period", "due", "kind", "level", "recipients"}
    o4 = [i for i in items if i["obligation"] == "O4" and i["unit"] == "清河区" and i["period"] == "2010-09"]
    assert o4 == [
        {
            "unit": "清河区",
            "obligation": "O4",
            "form": "negotiations",
            "period": "2010-09",
            "due": "2010-09-20",
            "kind": "reminder",
            "level": 1,
            "recipients": ["qinghe.liaison@example.cn"],
        }
    ]
    r = subprocess.run(
        [sys.executable, "-m", "flows.cli", "sweep", "--as-of", "2010-09-22", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0 and json.loads(r.stdout) == []  # Mid-Autumn holiday: nothing
