"""Logging, configured once per server process (uvicorn applies `config()` in each worker).

LOG_FORMAT=json: one JSON object per line (time, level, logger, message, and the request
id of the request being answered); otherwise plain text. Access lines (logger
blaastempel.access, written by app.web.observe) go to stdout, everything else to stderr,
as uvicorn's own do.
"""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

LOG_FORMAT_ENV = "LOG_FORMAT"
FORMATS = ("text", "json")
ACCESS_LOGGER = "blaastempel.access"
# The request being answered; handler threads get it too (anyio copies the context).
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestId(logging.Filter):
    """Names the request a line was written for (none outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def log_format() -> str:
    raw = os.environ.get(LOG_FORMAT_ENV, "").strip().lower() or "text"
    if raw not in FORMATS:
        raise SystemExit(f"{LOG_FORMAT_ENV} must be one of {', '.join(FORMATS)}, not {raw!r}")
    return raw


def _formatter(fmt: str) -> dict[str, Any]:
    if fmt == "json":
        return {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"}, "timestamp": "time",
                "reserved_attrs": [*RESERVED_ATTRS, "color_message"]}  # uvicorn's copy with colours
    return {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}


def config(fmt: str) -> dict[str, Any]:
    """A logging.config.dictConfig for the app's loggers and uvicorn's."""
    def handler(stream: str) -> dict[str, Any]:
        return {"class": "logging.StreamHandler", "stream": stream, "formatter": fmt, "filters": ["request_id"]}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestId}},
        "formatters": {fmt: _formatter(fmt)},
        "handlers": {"stderr": handler("ext://sys.stderr"), "stdout": handler("ext://sys.stdout")},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "propagate": False},  # ours have route and duration
            ACCESS_LOGGER: {"level": "INFO", "handlers": ["stdout"], "propagate": False},
            "litestar": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "alembic": {"level": "WARNING"},  # readiness reads the revision: no line each time
        },
    }
