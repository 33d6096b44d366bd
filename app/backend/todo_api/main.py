"""The ASGI application: `uvicorn todo_api.main:app`."""

from __future__ import annotations

import inspect
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from . import __version__
from .db import Database, describe_error
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


def find_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise HTTPException(status_code=404, detail=f"Task {task_id} not found")
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


@router.patch("/api/tasks/{task_id}", response_model=TaskOut)
def update_task(task_id: int, body: TaskUpdate, session: Session = Depends(get_session)) -> Any:
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
    task = find_task(session, task_id)
    if "title" in sent:
        task.title = body.title
    if "done" in sent:
        task.done = body.done
    session.commit()
    return task_to_dict(task)


@router.delete("/api/tasks/{task_id}", status_code=204, response_class=Response)
def delete_task(task_id: int, session: Session = Depends(get_session)) -> Response:
    session.delete(find_task(session, task_id))
    session.commit()
    return Response(status_code=204)


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", describe_error(error, request.app.state.secrets))
    return JSONResponse(status_code=503, content={"detail": "database unavailable"})


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

    # FastAPI 0.92 (Debian bookworm) predates the `lifespan` argument; its router honours a lifespan context.
    if "lifespan" in inspect.signature(FastAPI).parameters:
        app = FastAPI(title="Todo API", version=__version__, lifespan=lifespan)
    else:
        app = FastAPI(title="Todo API", version=__version__)
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
    return app


app = create_app()
