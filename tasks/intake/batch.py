"""Submitting many received files at once: each kept, all judged together, all recorded in one
transaction (each file in its own savepoint), the same verdicts as one at a time."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.receipts import Liaisons
from schemas.tables import Unit
from tasks.app import App
from tasks.intake.keep import keep_bytes, lock_key
from tasks.intake.record import Kept, Prepared, Submitted, judge_closing, prepare, record_in
from tasks.intake.service import limits_of
from tasks.intake.validate import Crashed, Received, inspect_file, inspect_files
from tasks.intake.verdict import Verdict

log = logging.getLogger(__name__)
Item = tuple[bytes, str, datetime]  # a received file: its bytes, name and when it came


def submit_batch(app: App, items: list[Item]) -> list[Submitted | Exception]:
    """Many received files (bytes, name, received time): each kept first, all judged together
    (`inspect_files`: one Great Expectations call per form and set of columns), then all recorded
    and answered in one transaction, each file inside its own savepoint: one commit for the batch,
    and a file whose recording raised is rolled back alone and returned as its exception, the
    others unaffected. A crash before the commit loses no verdict: the files are kept, still
    claimed in the inbox, and judged again by the next run."""
    kept = [Kept(keep_bytes(app.settings.files_dir, data), len(data), name, when) for data, name, when in items]
    verdicts = _judge_all(app, items)  # above: every file is kept first
    prepared = _prepare_all(app, kept, verdicts)
    return _record_all(app, kept, verdicts, prepared)


def _judge_all(app: App, items: list[Item]) -> list[Verdict | Exception]:
    limits = limits_of(app.settings)
    verdicts: list[Verdict | Exception] = []
    for (data, name, when), v in zip(
        items,
        inspect_files([Received(data, name, when.date()) for data, name, when in items], app.campaign, limits=limits),
        strict=True,
    ):
        try:  # judged alone: a crash of the batch path must not cost the file
            verdicts.append(
                inspect_file(data, name, app.campaign, received=when.date(), limits=limits)
                if isinstance(v, Crashed)
                else v
            )
        except Exception as e:
            verdicts.append(e)
    return verdicts


def _prepare_all(app: App, kept: list[Kept], verdicts: list[Verdict | Exception]) -> list[Prepared | Exception]:
    """What needs no lock, done before taking the store's writer: the closing rule, the summary,
    the annotated workbook (recording is the part of intake that waits for other runs)."""
    prepared: list[Prepared | Exception] = []
    with app.store.session() as s:
        for k, v in zip(kept, verdicts, strict=True):
            if isinstance(v, Exception):
                prepared.append(v)
                continue
            try:
                judge_closing(s, app.campaign, v, k.received)
                prepared.append(prepare(app, v))
            except Exception as e:
                prepared.append(e)
    return prepared


def _record_all(
    app: App, kept: list[Kept], verdicts: list[Verdict | Exception], prepared: list[Prepared | Exception]
) -> list[Submitted | Exception]:
    done: dict[int, Submitted | Exception] = {}
    try:
        with app.store.session(write=True) as s:
            # held for the batch: each file's lookups of its unit are answered by the session
            held = s.scalars(select(Unit).where(Unit.campaign == app.campaign.id)).all()
            units = {u.name: u.id for u in held}
            liaisons = Liaisons(app.campaign.id)  # whom each receipt goes to: one query for the batch
            for i in _lock_order(app.campaign.id, verdicts, [k.sha for k in kept]):
                v, p = verdicts[i], prepared[i]
                if (failed := _failed(v, p)) is not None:
                    done[i] = failed
                    continue
                try:
                    done[i] = record_in(s, app, v, kept[i], units=units, prepared=p, liaisons=liaisons)  # type: ignore[arg-type]
                except Exception as e:
                    done[i] = e
                    liaisons.forget()  # what its savepoint read or changed is rolled back
                    if not _transaction_alive(s):  # the database ended the whole transaction, not the savepoint
                        raise
    except Exception as e:
        # The batch could not be recorded as one (its commit failed, the writer's lock timed out, the
        # database rolled the transaction back): nothing of it was. Each file, in its own transaction.
        log.warning(
            "recording a batch of %d files failed (%s: %s); recording them one by one", len(kept), type(e).__name__, e
        )
        return _record_each(app, kept, verdicts, prepared)
    return [done[i] for i in range(len(kept))]


def _record_each(
    app: App, kept: list[Kept], verdicts: list[Verdict | Exception], prepared: list[Prepared | Exception]
) -> list[Submitted | Exception]:
    out: list[Submitted | Exception] = []
    for k, v, p in zip(kept, verdicts, prepared, strict=True):
        if (failed := _failed(v, p)) is not None:
            out.append(failed)
            continue
        try:
            with app.store.session(write=True) as s:
                out.append(record_in(s, app, v, k, prepared=p))  # type: ignore[arg-type]
        except Exception as e:
            out.append(e)
    return out


def _failed(v: Verdict | Exception, p: Prepared | Exception) -> Exception | None:
    """What already went wrong with a file before recording it (judging or preparing), if anything."""
    return v if isinstance(v, Exception) else p if isinstance(p, Exception) else None


def _transaction_alive(s: Session) -> bool:
    """Whether the session's transaction is still open after a file's savepoint was rolled back:
    SQLite ends the whole transaction on some errors (a full disk, an I/O error), and a later
    savepoint would then commit on its own."""
    try:
        raw = s.connection().connection.driver_connection
    except Exception:
        return False
    if hasattr(raw, "in_transaction"):  # sqlite3
        return bool(raw.in_transaction)
    status = getattr(getattr(raw, "info", None), "transaction_status", None)  # psycopg 3
    return status is None or status.name == "INTRANS"


def _lock_order(campaign_id: str, verdicts: list[Verdict | Exception], shas: list[str]) -> list[int]:
    """The batch's files in the order of the locks their recording takes (`lock_key`), so that
    concurrent batches on PostgreSQL take them in one global order and never deadlock."""

    def key(i: int) -> int:
        v = verdicts[i]
        return -(1 << 63) if isinstance(v, Exception) else lock_key(campaign_id, v, shas[i])

    return sorted(range(len(verdicts)), key=key)
