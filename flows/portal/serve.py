"""The ASGI app `duban portal` serves (uvicorn imports it in each worker process)."""

from flows.portal.app import create_app

app = create_app()
