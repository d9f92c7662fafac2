"""held contact changes (owner: intake)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("old", sa.JSON(), nullable=False),
        sa.Column("new", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_contact_change_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_contact_change_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_change")),
    )
    with op.batch_alter_table("contact_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_change_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_change_unit_id"))
    op.drop_table("contact_change")
