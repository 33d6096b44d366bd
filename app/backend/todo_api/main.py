"""The ASGI application: `uvicorn todo_api.main:app`."""

from __future__ import annotations

import inspect
import json
import logging
import math
import re
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import __version__
from .db import Database, describe_error
from .limits import MAX_BODY_BYTES, BodySizeLimit
from .models import Task, utc_now
from .schemas import HealthOut, InfoOut, ReadyOut, TaskCreate, TaskOut, TaskUpdate, provided_fields
from .settings import Settings

logger = logging.getLogger("todo_api")

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Sends the app's log lines to stderr at LOG_LEVEL, and puts uvicorn's own loggers on the same level."""
    numeric = getattr(logging, level.upper())
    if not any(getattr(handler, "todo_api_handler", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        setattr(handler, "todo_api_handler", True)
        logger.addHandler(handler)
    logger.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(numeric)


def format_timestamp(moment: datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC, so a missing zone means UTC. The string is
    # built here rather than by pydantic because pydantic 1 and 2 format time zones differently.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def task_to_dict(task: Task) -> Dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "done": bool(task.done),
        "created_at": format_timestamp(task.created_at),
    }


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.db


def get_session(db: Database = Depends(get_database)) -> Iterator[Session]:
    with db.session() as session:
        yield session


# A task id as the API writes it: ASCII digits, no sign, no leading zero, no spaces. Python's int() (and so
# pydantic's) would also take "+1", " 1", "1_0" and digits of other scripts ("١" is 1), giving one task many
# addresses; `[0-9]` rather than `\d`, which matches every script's digits.
_TASK_ID = re.compile(r"0|[1-9][0-9]*")


def not_found(task_id: Any) -> HTTPException:
    return HTTPException(status_code=404, detail=f"Task {task_id} not found")


def task_id_param(
    task_id: str = Path(
        ...,
        description="The task's id as the API returns it: decimal ASCII digits without sign or leading zeros",
    ),
    db: Database = Depends(get_database),
) -> int:
    """The path's task id: 422 unless written as the API writes ids, 404 past the id column's range."""
    if not _TASK_ID.fullmatch(task_id):
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "loc": ["path", "task_id"],
                    "msg": "a task id is written in ASCII digits, without sign, spaces or leading zeros",
                    "type": "value_error.task_id",
                }
            ],
        )
    # A well-formed id past what the database stores names no task. The length check keeps int() away from
    # ids of thousands of digits (which it refuses), and the range check keeps the driver away from numbers
    # it cannot bind.
    if len(task_id) > len(str(db.max_id)) or int(task_id) > db.max_id:
        raise not_found(task_id)
    return int(task_id)


def find_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found(task_id)
    return task


router = APIRouter()


@router.get("/health", response_model=HealthOut)
async def health() -> Dict[str, str]:
    # Liveness must not depend on the database: a database outage should take the pod out of the Service
    # (readiness), not make Kubernetes restart a process that is working.
    return {"status": "healthy", "version": __version__}


@router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
def ready(request: Request, db: Database = Depends(get_database)) -> Any:
    try:
        db.ping()
        db.ensure_schema()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", and the reason is logged.
        logger.warning("readiness check failed: %s", describe_error(error, request.app.state.secrets))
        return JSONResponse(status_code=503, content={"status": "unavailable"})
    return {"status": "ready"}


@router.get("/api/info", response_model=InfoOut)
async def info(settings: Settings = Depends(get_settings)) -> Dict[str, Any]:
    return {"version": __version__, "ai_enabled": settings.ai_enabled}


@router.get("/api/tasks", response_model=List[TaskOut])
def list_tasks(session: Session = Depends(get_session)) -> List[Dict[str, Any]]:
    tasks = session.execute(select(Task).order_by(Task.created_at, Task.id)).scalars().all()
    return [task_to_dict(task) for task in tasks]


@router.post("/api/tasks", response_model=TaskOut, status_code=201)
def create_task(body: TaskCreate, session: Session = Depends(get_session)) -> Dict[str, Any]:
    task = Task(title=body.title, done=False, created_at=utc_now())
    session.add(task)
    session.commit()
    logger.debug("created task %s", task.id)
    return task_to_dict(task)


@router.get("/api/tasks/{task_id}", response_model=TaskOut)
def get_task(
    task_id: int = Depends(task_id_param), session: Session = Depends(get_session)
) -> Dict[str, Any]:
    return task_to_dict(find_task(session, task_id))


@router.patch("/api/tasks/{task_id}", response_model=TaskOut)
def update_task(
    body: TaskUpdate, task_id: int = Depends(task_id_param), session: Session = Depends(get_session)
) -> Any:
    sent = provided_fields(body)
    # Both fields are optional, but an explicit null is a client error rather than "leave unchanged".
    nulls = sorted(name for name in sent if getattr(body, name) is None)
    if nulls:
        return JSONResponse(
            status_code=422,
            content={
                "detail": [
                    {"loc": ["body", name], "msg": "may be omitted but not null", "type": "value_error.null"}
                    for name in nulls
                ]
            },
        )
    changes = {name: getattr(body, name) for name in ("title", "done") if name in sent}
    # One UPDATE ... WHERE id, rather than load-modify-flush: a task deleted by a concurrent request between
    # the load and the flush made the ORM raise StaleDataError (a 500). The UPDATE's row count says whether
    # the task exists, and the row stays locked by this transaction until the commit, so reading it back
    # before the commit sees this request's own change even while another request is deleting it.
    if changes:
        result = session.execute(
            update(Task)
            .where(Task.id == task_id)
            .values(**changes)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:
            session.rollback()
            raise not_found(task_id)
    task = find_task(session, task_id)
    session.commit()
    return task_to_dict(task)


@router.delete("/api/tasks/{task_id}", status_code=204, response_class=Response)
def delete_task(task_id: int = Depends(task_id_param), session: Session = Depends(get_session)) -> Response:
    # A single DELETE ... WHERE id: of racing deletes of one task exactly one gets 204, the others 404.
    result = session.execute(
        delete(Task).where(Task.id == task_id).execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        session.rollback()
        raise not_found(task_id)
    session.commit()
    return Response(status_code=204)


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", describe_error(error, request.app.state.secrets))
    return JSONResponse(status_code=503, content={"detail": "database unavailable"})


async def database_busy(request: Request, error: Exception) -> JSONResponse:
    # Every pooled connection stayed in use for the pool's whole timeout: an overload, not a bug.
    logger.warning("database busy: %s", describe_error(error, request.app.state.secrets))
    return JSONResponse(status_code=503, content={"detail": "database busy"}, headers={"Retry-After": "1"})


async def concurrent_change(request: Request, error: Exception) -> JSONResponse:
    # The routes write with single statements and so should never meet this; should the ORM still find a row
    # gone under it, that is a conflict with another request, which the client may retry.
    logger.info("write conflict: %s", describe_error(error, request.app.state.secrets))
    return JSONResponse(
        status_code=409, content={"detail": "the task was changed by a concurrent request; try again"}
    )


def json_safe(value: Any) -> Any:
    """`value` made renderable as strict JSON in UTF-8.

    A lone surrogate becomes the text "\\ud800", and NaN and the infinities (which Python's json module parses
    in a request but Starlette refuses to render) the strings "NaN", "Infinity" and "-Infinity".
    """
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(value)
    if isinstance(value, dict):
        return {json_safe(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


async def invalid_request(request: Request, error: Exception) -> JSONResponse:
    # FastAPI's own handler, except that the errors may quote the input, and input that holds a lone surrogate
    # cannot be encoded: rendering it raised UnicodeEncodeError, turning a 422 into a 500.
    errors = error.errors() if isinstance(error, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": json_safe(jsonable_encoder(errors))})


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    # A JSON body rather than Starlette's plain-text page; the server still logs the exception.
    return JSONResponse(status_code=500, content={"detail": "internal server error"})


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    """Builds the app; `settings` defaults to the process environment, read once here."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    db = Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info(
            "todo_api %s starting: database %s%s, ai_enabled=%s, log level %s",
            __version__,
            db.target,
            " (DATABASE_URL unset, using the local default)" if settings.database_url_is_default else "",
            settings.ai_enabled,
            settings.log_level,
        )
        try:
            db.ensure_schema()
        except DBAPIError as error:
            # Starting anyway keeps /health green while /ready reports the outage; the schema is created as
            # soon as the database answers.
            logger.warning("database not reachable at start-up: %s", describe_error(error, app.state.secrets))
        yield
        db.dispose()

    # The schema and the interactive docs tell a prober every route and body; they are served only when
    # LOG_LEVEL is debug, i.e. while someone is developing against the API.
    docs = settings.log_level == "debug"
    options: Dict[str, Any] = {
        "title": "Todo API",
        "version": __version__,
        "openapi_url": "/openapi.json" if docs else None,
        "docs_url": "/docs" if docs else None,
        "redoc_url": "/redoc" if docs else None,
    }
    # FastAPI 0.92 (Debian bookworm) predates the `lifespan` argument; its router honours a lifespan context.
    if "lifespan" in inspect.signature(FastAPI).parameters:
        app = FastAPI(lifespan=lifespan, **options)
    else:
        app = FastAPI(**options)
        app.router.lifespan_context = lifespan
    app.state.settings = settings
    app.state.db = db
    app.state.secrets = tuple(
        s
        for s in (db.password, settings.cohere_api_key, settings.better_auth_secret, settings.database_url)
        if s
    )
    app.include_router(router)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(PoolTimeoutError, database_busy)
    app.add_exception_handler(StaleDataError, concurrent_change)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, internal_error)
    # Outermost but for Starlette's error middleware: a body over the limit is refused before any route runs.
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    return app


app = create_app()
