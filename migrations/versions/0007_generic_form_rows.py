"""one store for every form's rows (owner: intake): the 2010 typed tables move into form_row

Revision ID: 0007
Revises: 0006

Each typed table's rows become form_row rows with their cells as JSON, keyed by the form's
code; nothing is dropped before it is copied, and the whole upgrade runs in one transaction
(`schemas.store.migrate` holds a lock and one connection), so a store is never half-migrated.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# typed table -> (form code, column renames, the columns that identify a row of an accumulating form)
TABLES = {
    "tech_need": ("tech-needs", {"credit_code": "org_code"}, ("enterprise", "need_name")),
    "cooperation": ("cooperation-deepening", {}, ()),
    "negotiation": ("negotiations", {}, ()),
    "key_project": ("key-projects", {}, ()),
    "activity_plan": ("activity-plan", {}, ()),
    "activity_report": ("activity-report", {}, ()),
    "milestone": ("milestones", {}, ()),
}
OWN = {"id", "submission_id", "unit_id", "period", "row_number", "current"}
KEY_SEP = "\x1f"


def upgrade() -> None:
    form_row = op.create_table(
        "form_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("form", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=True),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_form_row_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_form_row_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_row")),
    )
    with op.batch_alter_table("form_row", schema=None) as batch_op:
        batch_op.create_index("ix_form_row_current", ["campaign", "form", "current"], unique=False)
        batch_op.create_index("ix_form_row_key", ["unit_id", "form", "key"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_row_submission_id"), ["submission_id"], unique=False)
    bind = op.get_bind()
    for table, (form, renames, key) in TABLES.items():
        copy_rows(bind, form_row, table, form, renames, key)
        op.drop_table(table)


def copy_rows(bind, form_row, table: str, form: str, renames: dict, key: tuple) -> int:  # type: ignore[no-untyped-def]
    t = sa.Table(table, sa.MetaData(), autoload_with=bind)
    sub = sa.Table("submission", sa.MetaData(), autoload_with=bind)
    q = sa.select(t, sub.c.campaign.label("__campaign")).join(sub, sub.c.id == t.c.submission_id).order_by(t.c.id)
    batch, n = [], 0
    for row in bind.execute(q).mappings():
        data = {str(renames.get(k, k)): _json(v) for k, v in row.items() if k not in OWN and k != "__campaign"}
        batch.append(
            {
                "campaign": row["__campaign"],
                "form": form,
                "submission_id": row["submission_id"],
                "unit_id": row["unit_id"],
                "period": row["period"],
                "row_number": row["row_number"],
                "current": row["current"],
                "key": KEY_SEP.join(str(data.get(k) or "") for k in key) or None,
                "data": data,
            }
        )
        if len(batch) == 1000:
            bind.execute(form_row.insert(), batch)
            n, batch = n + len(batch), []
    if batch:
        bind.execute(form_row.insert(), batch)
        n += len(batch)
    return n


def _json(v):  # type: ignore[no-untyped-def]
    return v.isoformat() if isinstance(v, date) else v


def downgrade() -> None:
    raise NotImplementedError("0007 reshapes the stored rows; restore a backup taken before upgrading to go back")
