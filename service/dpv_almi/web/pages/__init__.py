"""The analyst's HTML pages: the notice (``/``), the validation report, the data-flow picture, the corpus observatory, and
the SPARQL editor (served by the protocol router on a browser's ``GET /sparql``).

Each page's data comes from named SPARQL queries through the service's one query runner; the
pages are server-rendered HTML (Jinja2, autoescaped), readable without JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from dpv_almi.web.pages import corpus_page, diagram, notice, validation_page
from dpv_almi.web.pages.common import STATIC_DIR

router = APIRouter()
router.include_router(notice.router)
router.include_router(validation_page.router)
router.include_router(diagram.router)
router.include_router(corpus_page.router)


def install(app: FastAPI) -> None:
    """Add the pages and their static files (``/static``) to *app*."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
