"""ASGI entry point for uvicorn (`blaastempel serve`)."""

from litestar import Litestar

from app.main import create_app


def create() -> Litestar:
    return create_app()
