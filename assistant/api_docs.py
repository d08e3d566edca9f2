"""/docs (Swagger UI) and /redoc with their scripts and styles served by this app, not by a CDN.

A government intranet has no internet: FastAPI's default pages load Swagger UI and ReDoc from jsDelivr and a
favicon and fonts from other hosts, and stay blank there. The assets come from the ``fastapi-offline`` package.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
DOCS_PATHS = ("/docs", "/redoc")
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"  # the one remote asset ReDoc's bundle names itself


@cache
def _redoc_js() -> bytes:
    """ReDoc with its sidebar logo pointed at the local favicon: nothing on the page reaches another host."""
    bundle = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    return bundle.replace(REDOCLY_LOGO.encode(), f"{ASSETS}/favicon.png".encode())


def install_docs(app: FastAPI, openapi_url: str = "/openapi.json", dependencies: Sequence[Depends] = ()) -> None:
    """Mount the assets at :data:`ASSETS` and add /docs and /redoc (behind ``dependencies``, e.g. the API key)."""
    app.add_api_route(f"{ASSETS}/redoc.standalone.js", lambda: Response(_redoc_js(), media_type="text/javascript"),
                      methods=["GET"], include_in_schema=False)
    app.mount(ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")
    title = app.title

    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=title,
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon.png")

    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=title, redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS}/favicon.png", with_google_fonts=False)

    router = APIRouter(dependencies=list(dependencies), include_in_schema=False)
    router.add_api_route(DOCS_PATHS[0], swagger, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(DOCS_PATHS[1], redoc, methods=["GET"], response_class=HTMLResponse)
    app.include_router(router)
