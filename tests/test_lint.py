"""The code is formatted by ruff and passes its checks (line length 120, E501 on): `make lint`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")

pytestmark = pytest.mark.unit


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (pip install -e .[dev])")
@pytest.mark.parametrize("args", [["format", "--check", "."], ["check", "."]])
def test_ruff(args: list[str]) -> None:
    done = subprocess.run([RUFF, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
