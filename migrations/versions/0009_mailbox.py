"""the bureau's mailbox as an intake channel (owner: mailbox)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("mailbox", sa.String(length=255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_mail_in_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_in")),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name=op.f("uq_mail_in_mailbox")),
    )
    with op.batch_alter_table("mail_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_in_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_in_message_id"))
    op.drop_table("mail_in")
