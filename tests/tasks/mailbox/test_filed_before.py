"""A retried mail run recognises its own files only (security review)."""

import pytest

pytestmark = [pytest.mark.integration]


def test_a_file_filed_before_is_one_of_this_message_never_anothers(sqlite_settings):
    """Security review: two messages carrying the same bytes in the same second (a blank template)
    are two files; a retried run recognises only its own (same name, same sender)."""
    import hashlib
    from datetime import datetime

    from tasks.app.open import open_app
    from tasks.intake import Origin
    from tasks.intake.service import submit_bytes
    from tasks.mailbox.files import filed_before
    from tests.tasks.intake.files import messy_workbook, need_row

    app = open_app("huaian-2010", settings=sqlite_settings)
    data, at = messy_workbook("tech-needs", [need_row(0)], unit="清河区"), datetime(2010, 7, 1, 9, 0, 0)
    submit_bytes(
        app,
        data,
        "附表3.xlsx",
        received_at=at,
        origin=Origin("mail", unit="清河区", submitted_by="王晓明", receipt=False),
    )
    sha = hashlib.sha256(data).hexdigest()
    assert filed_before(app, "附表3.xlsx", sha, at, "王晓明") is not None
    assert filed_before(app, "附表3.xlsx", sha, at, "盱眙联络员") is None
    assert filed_before(app, "附表3（盱眙）.xlsx", sha, at, "王晓明") is None
    app.store.dispose()
