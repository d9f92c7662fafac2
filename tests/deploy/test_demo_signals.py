"""`duban demo` stops on SIGTERM as on Ctrl-C (issue 26.16): service managers and CI send SIGTERM.
It stops its Prefect server and mail capture, prints no traceback, and leaves nothing running."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notifications.capture import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent.parent


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_demo_and_its_server_mid_replay(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "PREFECT_"))}
    env.update(
        DUBAN_HOME=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said, deadline = "", time.monotonic() + 240
    mark = "开始回放"  # the server is up and the replay has begun: SIGTERM used to be ignored here
    while mark not in said and time.monotonic() < deadline and proc.poll() is None:
        said += proc.stdout.readline()
    assert mark in said, said
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("duban demo did not stop on SIGTERM")
    assert "Traceback" not in err + out
    for _ in range(40):  # the server it started is gone too
        if not _listening(port):
            break
        time.sleep(0.5)
    assert not _listening(port)
