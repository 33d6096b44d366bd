"""The database schema: one table of tasks."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

# declarative_base() and Column() exist unchanged in SQLAlchemy 1.4 (Debian bookworm) and 2.x (the image), so
# the same model runs on both; the 2.0-only Mapped[] style would not import on 1.4.
Base = declarative_base()

TITLE_MAX_LENGTH = 200


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Task(Base):  # type: ignore[misc, valid-type]
    __tablename__ = "tasks"

    id = Column(Integer, primary_key=True, autoincrement=True)
    title = Column(String(TITLE_MAX_LENGTH), nullable=False)
    done = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now, index=True)
