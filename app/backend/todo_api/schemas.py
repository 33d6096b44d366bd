"""Request and response bodies.

These models must behave the same on pydantic 1.10 (Debian bookworm's python3-pydantic, used by the test
suite) and pydantic 2 (the image), so they use only constructs both versions share: `constr`, `StrictBool`,
`Field`, and `provided_fields()` below instead of either version's own name for "fields the client sent".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Set

from pydantic import BaseModel, Field, StrictBool, constr

from .models import TITLE_MAX_LENGTH

if TYPE_CHECKING:
    TaskTitle = str
else:
    # Strict, so that a number is rejected on both pydantic versions (pydantic 1 would turn 5 into "5"), and
    # stripped before the length check, so that "   " is an empty title rather than a three-character one.
    TaskTitle = constr(strict=True, strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH)


def provided_fields(model: BaseModel) -> Set[str]:
    """The fields the client actually sent, as opposed to those left at their defaults."""
    if hasattr(model, "model_fields_set"):
        return set(model.model_fields_set)
    return set(model.__fields_set__)


class TaskCreate(BaseModel):
    title: TaskTitle


class TaskUpdate(BaseModel):
    title: Optional[TaskTitle] = None
    done: Optional[StrictBool] = None


class TaskOut(BaseModel):
    id: int
    title: str
    done: bool
    created_at: str = Field(
        ..., description="Creation time, ISO 8601 in UTC, e.g. 2026-01-31T12:00:00.000000Z"
    )


class HealthOut(BaseModel):
    status: str = Field(..., description='Always "healthy" while the process serves requests')
    version: str


class ReadyOut(BaseModel):
    status: str = Field(
        ..., description='"ready", or "unavailable" (with HTTP 503) while the database is down'
    )


class InfoOut(BaseModel):
    version: str
    ai_enabled: bool = Field(
        ..., description="Whether a Cohere API key is configured; the key is never returned"
    )
