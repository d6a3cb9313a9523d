"""``/diagram`` and ``/diagram.svg``: the data flow of a policy drawn by Graphviz from the graph.

Columns, left to right: activities → the data categories they process → the recipients of that
data → third countries, the edge into a country labelled with the transfer's bases and safeguards.
The picture is the ``data-flow`` named query's rows (run by the one runner) written as DOT
(:func:`to_dot`, pure) and laid out by Graphviz's ``dot`` in a subprocess with a timeout, so a
missing or hung Graphviz never takes the service down: the page then says what is missing.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
import textwrap
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dpv_almi.errors import DpvAlmiError
from dpv_almi.web.labels import labels
from dpv_almi.web.named_queries import rows
from dpv_almi.web.pages.common import HTML_HEADERS, UI, PageLangParam, page_language, policy_graph, render

router = APIRouter(include_in_schema=False)

DOT_TIMEOUT = 10.0
"""Seconds Graphviz may take; the graph has tens of nodes, so this is only a guard."""

_STYLE = {
    "activity": 'shape=box, style="rounded,filled", fillcolor="#dbe9f7"',
    "category": 'shape=ellipse, style=filled, fillcolor="#e8f4e1"',
    "recipient": 'shape=box, style=filled, fillcolor="#f3e8f7"',
    "country": 'shape=octagon, style=filled, fillcolor="#fde3c8"',
}


class GraphvizMissing(RuntimeError):
    """Graphviz's ``dot`` is not installed (or not on PATH)."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _node_id(kind: str, iri: str) -> str:
    return f"{kind}_{hashlib.sha1(iri.encode(), usedforsecurity=False).hexdigest()[:10]}"


def to_dot(found: Iterable[dict[str, Any]], title: str, names: dict[str, str] | None = None) -> str:
    """DOT for the rows of the ``data-flow`` query that cannot draw a path the data lacks.

    Each activity has its own edge to each recipient it shares data with, labelled with the categories
    it shares (not activity → category → recipient, where two activities meeting at one category would
    draw a path to each other's recipients); a data importer has an edge to its third country, labelled
    with the transfer's bases and safeguards.  Three columns (activities, recipients, countries) keep the
    picture narrow enough for a 1,400 px screen.  Labels: *names* (the page's language), else the rows'.
    """
    names = names or {}
    nodes: dict[str, tuple[str, str, str]] = {}  # id -> (kind, label, link)
    shared: dict[tuple[str, str], set[str]] = {}
    transfers: dict[tuple[str, str], set[str]] = {}

    def node(kind: str, iri: str, label: str | None, link: str = "") -> str:
        identifier = _node_id(kind, iri)
        nodes.setdefault(identifier, (kind, names.get(iri) or label or iri.rsplit("/", 1)[-1], link))
        return identifier

    def name(iri: str | None, label: str | None) -> str:
        if iri is None:
            return label or ""
        return names.get(iri) or label or iri.rsplit("/", 1)[-1]

    for row in found:
        activity = node(
            "activity", row["activity"], row.get("activityLabel"), "/#" + row["activity"].rsplit("/", 1)[-1]
        )
        recipient = node("recipient", row["recipient"], row.get("recipientLabel"))
        shared.setdefault((activity, recipient), set()).add(name(row.get("category"), row.get("categoryLabel")))
        if row["kind"] == "transfer" and "country" in row:
            country = node("country", row["country"], row.get("countryLabel"))
            safeguards = transfers.setdefault((recipient, country), set())
            if row.get("safeguard") or row.get("safeguardLabel"):
                safeguards.add(name(row.get("safeguard"), row.get("safeguardLabel")))

    lines = [
        "digraph dataflow {",
        f'  graph [rankdir=LR, ranksep=2.2, nodesep=0.18, size="14,60", fontname="DejaVu Sans", tooltip={_quote(title)}];',
        '  node [fontname="DejaVu Sans", fontsize=11];',
        '  edge [fontname="DejaVu Sans", fontsize=8, color="#777777", fontcolor="#555555", arrowsize=0.6];',
    ]
    for kind in ("activity", "recipient", "country"):
        members = sorted((i, v) for i, v in nodes.items() if v[0] == kind)
        lines.append(f"  subgraph {kind}s {{ rank=same;")
        for identifier, (_, label, link) in members:
            attributes = [
                f"label={_quote(_wrap(label))}",
                f"id={_quote(identifier)}",
                f"class={_quote(kind)}",
                f"tooltip={_quote(label)}",
                _STYLE[kind],
            ]
            if link:
                attributes.append(f"URL={_quote(link)}")
            lines.append(f"    {identifier} [{', '.join(attributes)}];")
        lines.append("  }")
    for (source, target), categories in sorted(shared.items()):
        text = "; ".join(sorted(c for c in categories if c))
        lines.append(
            f'  {source} -> {target} [label={_quote(_wrap(text, 40))}, tooltip={_quote(text)}, class="shares"];'
        )
    for (source, target), safeguards in sorted(transfers.items()):
        text = "; ".join(sorted(safeguards))
        lines.append(
            f"  {source} -> {target} [label={_quote(_wrap(text, 34))}, tooltip={_quote(text)}, "
            f'color="#c0392b", fontcolor="#c0392b", class="transfer"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


_SVG_CACHE: dict[str, str] = {}


def render_svg(dot: str, timeout: float = DOT_TIMEOUT) -> str:
    """SVG from DOT by Graphviz (cached by source); raises GraphvizMissing, or RuntimeError on failure."""
    key = hashlib.sha256(dot.encode()).hexdigest()
    if key in _SVG_CACHE:
        return _SVG_CACHE[key]
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing("Graphviz's dot program is not installed")
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=timeout, check=False)  # noqa: S603 - a fixed argv, no shell
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Graphviz took longer than {timeout:g} s") from None
    if done.returncode != 0:
        raise RuntimeError("Graphviz failed: " + done.stderr.decode(errors="replace").strip())
    svg = done.stdout.decode()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG is also inlined in HTML
    _SVG_CACHE[key] = svg
    return svg


async def _flow(request: Request, lang: str, policy: str | None) -> tuple[list[dict[str, Any]], str, dict[str, str]]:
    found = await rows(request, "data-flow", {"graph": policy_graph(request, policy), "lang": lang})
    columns = ("activity", "category", "recipient", "country", "safeguard")
    names = await labels(request, {row[c] for row in found for c in columns if c in row}, lang)
    return found, to_dot(found, UI[lang]["diagram_title"], names), names


@router.get("/diagram", response_class=HTMLResponse, summary="The data-flow picture (SVG in a page)")
async def diagram_page(
    request: Request, lang: str | None = PageLangParam, policy: str | None = Query(None)
) -> HTMLResponse:
    language = page_language(request, lang)
    found, dot, names = await _flow(request, language, policy)
    svg, missing = None, False
    try:
        svg = await asyncio.to_thread(render_svg, dot)
    except GraphvizMissing:
        missing = True
    table = sorted(
        {
            tuple(
                names.get(r[c], r[c]) if c in r else ""
                for c in ("activity", "category", "recipient", "country", "safeguard")
            )
            for r in found
        }
    )
    return render(
        request,
        "diagram.html",
        language,
        {"svg": svg, "missing": missing, "table": table, "svg_url": f"/diagram.svg?lang={language}"},
    )


@router.get("/diagram.svg", summary="The data-flow picture as SVG")
async def diagram_svg(request: Request, lang: str | None = PageLangParam, policy: str | None = Query(None)) -> Response:
    language = page_language(request, lang)
    _, dot, _ = await _flow(request, language, policy)
    try:
        svg = await asyncio.to_thread(render_svg, dot)
    except GraphvizMissing:
        raise DpvAlmiError(
            503, "Graphviz (the dot program) is not installed on the server.", "Diagram unavailable"
        ) from None
    headers = {k: v for k, v in HTML_HEADERS.items() if k != "Vary"} | {"Vary": "Accept-Language"}
    return Response(svg, media_type="image/svg+xml", headers=headers)
