"""matters followed to closure (owner: matters): matter, its append-only history, and a
notification item that names a matter or an obligation, with the 签收 of an escalation notice

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "matter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=64), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("extended_due", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_label", sa.String(length=32), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=True),
        sa.Column("form", sa.String(length=64), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("ladder", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by", sa.String(length=64), nullable=True),
        sa.Column("progressed_at", sa.DateTime(), nullable=True),
        sa.Column("close_requested_at", sa.DateTime(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("missing_since", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], name=op.f("fk_matter_submission_id_submission")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_matter_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter")),
        sa.UniqueConstraint("campaign", "unit_id", "key", name=op.f("uq_matter_campaign")),
    )
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.create_index("ix_matter_campaign_state", ["campaign", "state"], unique=False)

    op.create_table(
        "matter_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["matter_id"], ["matter.id"], name=op.f("fk_matter_event_matter_id_matter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_event")),
    )
    with op.batch_alter_table("matter_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matter_event_matter_id"), ["matter_id"], unique=False)

    with op.batch_alter_table("notification_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matter_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("signed_by", sa.String(length=64), nullable=True))
        batch_op.alter_column("obligation_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_notification_item_matter_id"), ["matter_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_item_matter_id_matter"), "matter", ["matter_id"], ["id"]
        )

    _append_only("matter_event")


def _append_only(table: str) -> None:
    """The database refuses UPDATE and DELETE on `table`, as on audit_log (0002)."""
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
        op.execute("DROP TRIGGER matter_event_no_update")
        op.execute("DROP TRIGGER matter_event_no_delete")
    else:
        op.execute("DROP TRIGGER matter_event_append_only ON matter_event")
        op.execute("DROP FUNCTION matter_event_append_only()")
    with op.batch_alter_table("notification_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_item_matter_id_matter"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_item_matter_id"))
        batch_op.alter_column("obligation_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("signed_by")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("matter_id")

    with op.batch_alter_table("matter_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matter_event_matter_id"))

    op.drop_table("matter_event")
    with op.batch_alter_table("matter", schema=None) as batch_op:
        batch_op.drop_index("ix_matter_campaign_state")

    op.drop_table("matter")
