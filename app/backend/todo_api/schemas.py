"""Request and response bodies.

These models must behave the same on pydantic 1.10 (Debian bookworm's python3-pydantic, used by the test
suite) and pydantic 2 (the image), so they use only constructs both versions share: `constr`, `StrictBool`,
`Field`, `provided_fields()` below instead of either version's own name for "fields the client sent", and
`_title_validator()` instead of either version's own validator decorator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional, Set

from pydantic import BaseModel, Field, StrictBool, constr

from .models import TITLE_MAX_LENGTH

try:  # pydantic 2
    from pydantic import field_validator as _field_validator
except ImportError:  # pydantic 1
    _field_validator = None
    from pydantic import validator as _validator

if TYPE_CHECKING:
    TaskTitle = str
else:
    # Strict, so that a number is rejected on both pydantic versions (pydantic 1 would turn 5 into "5"), and
    # stripped before the length check, so that "   " is an empty title rather than a three-character one.
    TaskTitle = constr(strict=True, strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH)


def unstorable_character(text: str) -> Optional[str]:
    """Names the first character of `text` that no database here can store, or None when there is none.

    A lone surrogate (JSON lets a client send "\\ud800") has no UTF-8 encoding, so neither SQLite nor
    PostgreSQL can take it, nor can a JSON response echo it; PostgreSQL also refuses NUL in text.
    """
    for character in text:
        code = ord(character)
        if 0xD800 <= code <= 0xDFFF:
            return f"a lone surrogate (U+{code:04X})"
        if code == 0:
            return "a NUL character (U+0000)"
    return None


def check_storable(value: Any) -> Any:
    if isinstance(value, str):
        problem = unstorable_character(value)
        if problem:
            raise ValueError(f"contains {problem}, which cannot be stored")
    return value


def _title_validator() -> Callable[[Any], Any]:
    if _field_validator is not None:
        return _field_validator("title")
    return _validator("title", allow_reuse=True)


def provided_fields(model: BaseModel) -> Set[str]:
    """The fields the client actually sent, as opposed to those left at their defaults."""
    if hasattr(model, "model_fields_set"):
        return set(model.model_fields_set)
    return set(model.__fields_set__)


class TaskCreate(BaseModel):
    title: TaskTitle

    @_title_validator()
    def storable_title(cls, value: Any) -> Any:  # noqa: N805 - a class method, as both pydantics call it
        return check_storable(value)


class TaskUpdate(BaseModel):
    title: Optional[TaskTitle] = None
    done: Optional[StrictBool] = None

    @_title_validator()
    def storable_title(cls, value: Any) -> Any:  # noqa: N805 - a class method, as both pydantics call it
        return check_storable(value)


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
