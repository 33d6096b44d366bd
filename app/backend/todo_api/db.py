"""The database connection: engine, sessions, schema creation and the readiness check."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .models import Base
from .settings import SettingsError

logger = logging.getLogger(__name__)

# Short enough that a readiness probe (default timeout 1-5 s) gets its answer from us rather than timing out,
# long enough for a database on the same cluster network.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 2

# The largest value the tasks table's id column holds: SQLAlchemy's Integer is a 32-bit INTEGER on PostgreSQL
# (and most databases) but SQLite stores any integer in up to 64 bits. A larger id names no task; passed to
# the driver, it would fail (OverflowError, "integer out of range") instead.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

_POSTGRES_PREFIXES = ("postgres://", "postgresql://")
_POSTGRES_DRIVER = "postgresql+psycopg2://"


def normalise_database_url(url: str) -> str:
    """Maps the URL schemes that hosting providers hand out onto the driver this image ships.

    Heroku-style providers give `postgres://`, which SQLAlchemy no longer accepts, and a bare `postgresql://`
    would leave the driver choice to SQLAlchemy's default; both become an explicit psycopg2 URL.
    """
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return _POSTGRES_DRIVER + url[len(prefix) :]
    return url


def describe_database(url: str) -> str:
    """Names the database target by scheme and host only, which is all that is safe to log."""
    parsed = make_url(normalise_database_url(url))
    if parsed.host:
        return f"{parsed.drivername} at {parsed.host}"
    return f"{parsed.drivername} (local file)"


def redact(message: str, secrets: Iterable[str]) -> str:
    """Replaces every secret in a message before it is logged, as a second line of defence."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


def describe_error(error: BaseException, secrets: Iterable[str] = ()) -> str:
    """A one-line, secret-free account of a database error, for a warning log line."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    first_line = detail[0] if detail else ""
    return f"{type(error).__name__}: {redact(first_line, secrets)}"


class Database:
    """Owns the engine and creates the schema as soon as the database answers.

    The schema is created lazily as well as at start-up, so a pod that starts before its database becomes
    ready (and usable) once the database appears, without a restart.
    """

    def __init__(self, url: str) -> None:
        normalised = normalise_database_url(url)
        try:
            parsed = make_url(normalised)
            self.engine = create_engine(normalised, **self._engine_options(parsed.get_backend_name()))
        except Exception as error:
            # SQLAlchemy's parse errors quote the whole URL, password included, so the original message and
            # its chained traceback are dropped here on purpose.
            raise SettingsError(
                f"DATABASE_URL is not a usable database URL ({type(error).__name__}; the value is not shown "
                "because it may hold a password); expected e.g. postgresql://user:password@host:5432/dbname "
                "or sqlite:////tmp/todo.db"
            ) from None
        self.password = parsed.password or ""
        self.max_id = INT64_MAX if parsed.get_backend_name() == "sqlite" else INT32_MAX
        self.target = describe_database(normalised)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @staticmethod
    def _engine_options(backend: str) -> Dict[str, Any]:
        options: Dict[str, Any] = {"pool_pre_ping": True}
        if backend == "postgresql":
            options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
        elif backend == "sqlite":
            # FastAPI runs sync routes on a thread pool, so one SQLite connection may serve several threads.
            options["connect_args"] = {"check_same_thread": False}
        return options

    def ping(self) -> None:
        """Raises unless the database answers `SELECT 1` right now."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def ensure_schema(self) -> None:
        """Creates the tables once per process; raises while the database cannot be reached."""
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                Base.metadata.create_all(self.engine)
                self._schema_ready = True
                logger.info("database schema is in place (%s)", self.target)

    @contextmanager
    def session(self) -> Iterator[Session]:
        self.ensure_schema()
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
