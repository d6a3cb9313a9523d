"""The YASGUI SPARQL editor on ``GET /sparql`` for browsers (text/html preferred, no query).

The SPARQL protocol router calls :func:`wants_editor` and :func:`editor_page`; the protocol itself
(queries, the service description for RDF clients) is unchanged.  The competency questions become
the editor's tabs from a JSON data block (no inline script: the page's JavaScript is a static file).
YASGUI comes from the npm package ``@zazuko/yasgui``, copied under ``static/vendor/`` by
``make assets``: nothing is fetched from elsewhere when the page runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from dpv_almi.sparql.catalogue import NamedQuery
from dpv_almi.store.dataset import GRAPH_FORMATS
from dpv_almi.web import deps
from dpv_almi.web.negotiation import negotiate
from dpv_almi.web.pages.common import VENDOR_DIR, page_language, render

YASGUI_FILES = ("yasgui/yasgui.min.js", "yasgui/yasgui.min.css")


def wants_editor(request: Request) -> bool:
    """True for a browser's GET: text/html ranks above every RDF format of the service description
    (RDF clients and ``*/*`` still get the description, which is offered first)."""
    offered: dict[str, Any] = {**GRAPH_FORMATS, "text/html": None}
    chosen = negotiate(request.headers.get("accept"), offered)
    return chosen is not None and chosen[0] == "text/html"


def assets_installed() -> bool:
    return all((VENDOR_DIR / name).is_file() for name in YASGUI_FILES)


def tabs(catalogue: dict[str, NamedQuery], lang: str) -> list[dict[str, str]]:
    """One editor tab per competency question: its title and question in *lang*, and its text."""
    return [
        {"name": q.name, "title": q.title[lang], "question": q.question[lang], "text": q.text}
        for q in catalogue.values()
    ]


def editor_page(request: Request) -> HTMLResponse:
    language = page_language(request, request.query_params.get("lang"))
    questions = tabs(deps.services(request).competency_queries, language)
    return render(request, "editor.html", language, {"questions": questions, "installed": assets_installed()})
