"""Scale-out, as production runs it: a Prefect server on PostgreSQL, prefect.yaml's deployments,
two process workers on one pool, and Duban's store on PostgreSQL. Intake and sweep runs started
at the same moment land on both workers, and an intake run with `workers: 2` starts another; every
file is processed once and every mail reaches the SMTP server once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from config.settings import Settings
from flows.demo import start_prefect_server, wait_healthy
from notifications.capture import free_port
from tests.conftest import PG_URL, ROOT
from tests.tasks.reminders.smtp import Recorder, start

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]

SWEEP_DAY = date(2010, 6, 23)  # reminders for the contacts form, due 06-30, to every unit
INTAKE_RUNS = SWEEP_RUNS = 3


@contextmanager
def prefect_database():
    """A fresh PostgreSQL database for the Prefect server, dropped afterwards."""
    name = f"prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        base = PG_URL.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql+asyncpg")
        yield f"{base}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prefect_cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "prefect"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, f"prefect {' '.join(args)} 失败：\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


def test_two_workers_on_postgres_process_each_file_and_mail_once(tmp_path, pg_schema_url):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.campaign_replay import drop
    from schemas.outbox import Notification
    from schemas.tables import Submission
    from tasks.app.open import open_app
    from tasks.demo.behaviour import plan
    from tasks.demo.files import Author

    home = tmp_path / "duban"
    settings = Settings(home=home, database_url=pg_schema_url, _env_file=None)  # type: ignore[call-arg]
    app = open_app("huaian-2010", settings=settings)  # migrated once here, not by racing workers
    sends = [s for s in plan(app.campaign, 2010)[0] if s.form == "tech-needs"][:12]
    rnd = random.Random(7)
    author = Author(app.campaign, rnd)
    for s in sends:
        drop(app, author, s, rnd)
    assert len(list(app.settings.inbox_dir.glob("*.xlsx"))) == len(sends) >= 10

    recorder = Recorder()
    smtp, smtp_port = start(recorder)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    procs: list[subprocess.Popen] = []
    with prefect_database() as prefect_db:
        # no scheduler: the test starts the runs itself, the cron schedules stay out of the way
        server = start_prefect_server(
            tmp_path / "prefect",
            port,
            tmp_path / "server.log",
            db_url=prefect_db,
            PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        )
        procs.append(server)
        try:
            wait_healthy(api, server, timeout=180)
            env = {
                **os.environ,
                "PREFECT_API_URL": api,
                "PREFECT_HOME": str(tmp_path / "client"),
                "DUBAN_ROOT": str(ROOT),
                "DUBAN_HOME": str(home),
                "DUBAN_DATABASE_URL": pg_schema_url,
                "DUBAN_SMTP_HOST": "127.0.0.1",
                "DUBAN_SMTP_PORT": str(smtp_port),
                "DUBAN_SMTP_STARTTLS": "false",
                "DUBAN_SMTP_TLS": "false",
                "PREFECT_WORKER_QUERY_SECONDS": "1",
                "DO_NOT_TRACK": "1",
            }
            prefect_cli(env, "work-pool", "create", "duban", "--type", "process")
            deployed = prefect_cli(env, "--no-prompt", "deploy", "--all")
            assert "deadline-sweep" in deployed and "intake" in deployed
            for name in ("worker-a", "worker-b"):
                with (tmp_path / f"{name}.log").open("w") as log:
                    procs.append(
                        subprocess.Popen(
                            [
                                str(Path(sys.executable).parent / "prefect"),
                                "worker",
                                "start",
                                "--pool",
                                "duban",
                                "--name",
                                name,
                                "--limit",
                                "2",
                            ],
                            cwd=ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )

            with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
                wait_online(client, {"worker-a", "worker-b"}, timeout=120, logs=tmp_path)  # both can take runs
                intake = client.read_deployment_by_name("intake/intake")
                sweep = client.read_deployment_by_name("deadline-sweep/deadline-sweep")
                # two runs file by file, and one that judges batches of 4 and fans out: `workers: 2`
                # starts one more intake run, for whichever worker is free
                ids = [client.create_flow_run_from_deployment(intake.id).id for _ in range(INTAKE_RUNS - 1)]
                ids.append(
                    client.create_flow_run_from_deployment(intake.id, parameters={"batch_size": 4, "workers": 2}).id
                )
                ids += [
                    client.create_flow_run_from_deployment(sweep.id, parameters={"as_of": SWEEP_DAY.isoformat()}).id
                    for _ in range(SWEEP_RUNS)
                ]
                runs = wait_final(client, ids, timeout=420, logs=tmp_path)
                intakes = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[intake.id]))
                )
                fanned = [r.id for r in intakes if r.id not in ids]
                assert len(fanned) == 1 and fanned_params(intakes, fanned[0]) == {"batch_size": 4, "workers": 1}
                runs += wait_final(client, fanned, timeout=180, logs=tmp_path)
        finally:
            for p in reversed(procs):
                stop(p)
            smtp.stop()

    assert all(r.state.is_completed() for r in runs), [(r.name, r.state.name, r.state.message) for r in runs]
    workers = Counter(r.labels.get("prefect.worker.name") for r in runs)
    assert set(workers) == {"worker-a", "worker-b"}, workers

    with app.store.session() as s:
        submissions = s.execute(select(Submission.filename, func.count()).group_by(Submission.filename)).all()
        mail = Counter(s.execute(select(Notification.kind, Notification.status)).tuples().all())
    app.store.dispose()
    assert sorted(name for name, _ in submissions) == sorted(
        f"{app.campaign.form(x.form).label}_{x.unit}_{x.period}.xlsx" for x in sends
    )
    assert all(n == 1 for _, n in submissions), submissions  # each file processed once
    assert not list(app.settings.inbox_dir.glob("*.xlsx")) and not list((app.settings.inbox_dir / ".claimed").iterdir())

    ids_at_server = recorder.message_ids()
    assert ids_at_server and max(ids_at_server.values()) == 1, ids_at_server.most_common(3)  # none twice
    sent = sum(n for (_, status), n in mail.items() if status == "sent")
    assert sent == sum(ids_at_server.values()), mail  # none lost: every sent row arrived
    assert {status for _, status in mail} <= {"sent", "stale"}, mail
    assert mail["receipt", "sent"] == len(sends) and mail["digest", "sent"] >= 10, mail  # receipts and reminders


def fanned_params(runs, run_id):  # type: ignore[no-untyped-def]
    p = next(r for r in runs if r.id == run_id).parameters
    return {"batch_size": p.get("batch_size"), "workers": p.get("workers")}


def wait_online(client, names: set[str], *, timeout: float, logs: Path) -> None:  # type: ignore[no-untyped-def]
    """Wait for real worker processes to say hello to the server."""
    deadline = time.monotonic() + timeout
    while {w.name for w in client.read_workers_for_work_pool("duban") if w.status == "ONLINE"} < names:
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("worker-*.log")))
            pytest.fail(f"workers not online in {timeout:.0f} s\n{tails}")
        time.sleep(0.5)


def wait_final(client, ids, *, timeout: float, logs: Path):  # type: ignore[no-untyped-def]
    """Wait for real worker processes to finish real runs (not simulated time)."""
    deadline = time.monotonic() + timeout
    while True:
        runs = [client.read_flow_run(i) for i in ids]
        if all(r.state and r.state.is_final() for r in runs):
            return runs
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(logs.glob("*.log")))
            pytest.fail(f"runs not finished in {timeout:.0f} s: {[(r.name, r.state_name) for r in runs]}\n{tails}")
        time.sleep(1)


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
