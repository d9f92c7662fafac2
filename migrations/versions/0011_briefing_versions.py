"""briefing versions (owner: briefing): what was sent of an issue, the office's edited .docx or the
PDF, kept with its SHA-256 and who approved it; a correction (更正) is a new version, never a replacement

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "briefing_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("briefing_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("said", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["briefing_id"], ["briefing.id"], name=op.f("fk_briefing_version_briefing_id_briefing")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_version")),
        sa.UniqueConstraint("briefing_id", "version", name=op.f("uq_briefing_version_briefing_id")),
    )
    _append_only("briefing_version")


def _append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on `table`, as on audit_log (0002) and matter_event (0010)."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER briefing_version_no_update")
        op.execute("DROP TRIGGER briefing_version_no_delete")
    else:
        op.execute("DROP TRIGGER briefing_version_append_only ON briefing_version")
        op.execute("DROP FUNCTION briefing_version_append_only()")
    op.drop_table("briefing_version")
