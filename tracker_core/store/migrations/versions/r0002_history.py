"""Audit history: scopes, snapshots with their totals, and repo states as intervals.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tracker_core.store.schema import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scopes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("host", sa.Text(), nullable=False),
        sa.Column("team", sa.String(200), nullable=False),
        sa.Column("roots", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scopes"),
        sa.UniqueConstraint("key", name="uq_scopes_key"),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("repos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["scope_id"], ["scopes.id"], name="fk_snapshots_scope_id_scopes"),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
    )
    op.create_index("ix_snapshots_scope_id_taken_at", "snapshots", ["scope_id", "taken_at"])
    op.create_index("ix_snapshots_taken_at", "snapshots", ["taken_at"])
    op.create_table(
        "snapshot_totals",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("workspace", sa.String(300), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name="fk_snapshot_totals_snapshot_id_snapshots",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "source", "provider", "workspace", "category", name="pk_snapshot_totals"
        ),
    )
    op.create_table(
        "repo_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("state", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(64), nullable=True),
        sa.Column("workspace", sa.String(300), nullable=True),
        sa.Column("binding_ref", sa.String(256), nullable=True),
        sa.Column("display_label", sa.Text(), nullable=True),
        sa.Column("since_snapshot", sa.Integer(), nullable=False),
        sa.Column("until_snapshot", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["scope_id"], ["scopes.id"], name="fk_repo_states_scope_id_scopes"),
        sa.PrimaryKeyConstraint("id", name="pk_repo_states"),
    )
    op.create_index(
        "ix_repo_states_scope_id_until_snapshot", "repo_states", ["scope_id", "until_snapshot"]
    )
    op.create_index(
        "ix_repo_states_scope_id_since_snapshot", "repo_states", ["scope_id", "since_snapshot"]
    )


def downgrade() -> None:
    op.drop_table("repo_states")
    op.drop_table("snapshot_totals")
    op.drop_index("ix_snapshots_taken_at", table_name="snapshots")
    op.drop_index("ix_snapshots_scope_id_taken_at", table_name="snapshots")
    op.drop_table("snapshots")
    op.drop_table("scopes")
