"""Process settings, read from the environment once at start-up and validated there.

The secrets (DATABASE_URL may carry a password, COHERE_API_KEY, BETTER_AUTH_SECRET) are excluded from the
settings' repr so that logging or printing a Settings object cannot leak them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Tuple

# /tmp is the only writable path in the container (an emptyDir mount), and the working directory is not, so
# the fallback database lives there. It is meant for local runs; a deployment always sets DATABASE_URL.
DEFAULT_DATABASE_URL = "sqlite:////tmp/todo.db"

LOG_LEVELS: Tuple[str, ...] = ("debug", "info", "warning", "error")
DEFAULT_LOG_LEVEL = "info"


class SettingsError(ValueError):
    """A setting the service cannot run with; the message names the variable and the values it accepts."""


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, already validated."""

    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    log_level: str = DEFAULT_LOG_LEVEL
    cohere_api_key: str = field(default="", repr=False)
    better_auth_secret: str = field(default="", repr=False)
    database_url_is_default: bool = False

    def __post_init__(self) -> None:
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(
                f'LOG_LEVEL is "{self.log_level}", which is not a log level; '
                f'accepted: {", ".join(LOG_LEVELS)}'
            )

    @property
    def ai_enabled(self) -> bool:
        """The AI features are on exactly when a Cohere key is configured; the key itself is never exposed."""
        return bool(self.cohere_api_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Reads and validates the environment; blank values count as unset."""
        database_url = environ.get("DATABASE_URL", "").strip()
        log_level = environ.get("LOG_LEVEL", "").strip().lower() or DEFAULT_LOG_LEVEL
        return cls(
            database_url=database_url or DEFAULT_DATABASE_URL,
            log_level=log_level,
            cohere_api_key=environ.get("COHERE_API_KEY", "").strip(),
            better_auth_secret=environ.get("BETTER_AUTH_SECRET", "").strip(),
            database_url_is_default=not database_url,
        )
