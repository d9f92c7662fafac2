"""unit pages: revocable links, who submitted through the page, extension requests (owner: portal)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="inbox", nullable=False))
        batch_op.add_column(sa.Column("submitted_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("submitter_phone", sa.String(length=32), nullable=True))
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("requested_due", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("granted_due", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["obligation_id"], ["obligation.id"], name=op.f("fk_extension_request_obligation_id_obligation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_request")),
    )
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_extension_request_obligation_id"), ["obligation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extension_request_obligation_id"))
    op.drop_table("extension_request")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("submitter_phone")
        batch_op.drop_column("submitted_by")
        batch_op.drop_column("channel")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("link_version")
