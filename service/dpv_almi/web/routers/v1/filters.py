"""Filters that name a concept, checked before any listing query runs.

A filter no data can match because it is misspelt must not look like a filter that matches nothing:
``category=nope:X`` (an unknown prefix) is a 400, ``category=pd:Contct`` (a term neither DPV nor
the data knows) a 404 with DPV's nearest term, ``policy=nope`` a 404 -- the same answers as the
resource routes give for an unknown policy or activity.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request

from dpv_almi.errors import DpvAlmiError, InputError
from dpv_almi.namespaces import PREFIXES
from dpv_almi.sparql.catalogue import sparql_term
from dpv_almi.validation.vocabularies import dpv_index
from dpv_almi.web import deps
from dpv_almi.web.named_queries import rows

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ABSOLUTE = ("http://", "https://", "urn:")


def concept_iri(name: str, value: str) -> str:
    """The IRI a filter value names: ``<iri>``, an absolute http(s)/urn IRI or ``prefix:local`` with a
    prefix the service declares (400 otherwise, naming the parameter)."""
    text = value.strip()
    if not (text.startswith("<") or text.startswith(_ABSOLUTE)):
        prefix, sep, _ = text.partition(":")
        if not sep or not _SCHEME.match(text):
            raise InputError(f"{name}={value!r} is not an IRI or a prefixed name.", "Bad parameter", parameter=name)
        if prefix not in PREFIXES:
            raise InputError(
                f"{name}={value!r}: unknown prefix {prefix!r}; known prefixes: {', '.join(sorted(PREFIXES))}.",
                "Unknown prefix",
                parameter=name,
            )
    try:
        return sparql_term("iri", text)[1:-1]
    except InputError as exc:
        raise InputError(f"{name}: {exc.detail}", "Bad parameter", parameter=name) from None


async def check_concept(request: Request, name: str, value: str) -> str:
    """The filter's IRI, if DPV or the data knows it; a 404 (with DPV's nearest term) otherwise."""
    iri = concept_iri(name, value)
    index = dpv_index()
    if iri in index or await rows(request, "known", {"iri": f"<{iri}>"}):
        return iri
    hint = index.suggest(iri)
    detail = f"{name}={value!r}: no such concept in DPV {index.version} or in the data."
    raise DpvAlmiError(404, detail + (f" Did you mean {hint}?" if hint else ""), "Unknown concept", parameter=name)


def check_policy(request: Request, policy: str) -> None:
    """404 for a policy the service does not hold (as ``GET /v1/policies/{policy}`` answers)."""
    if policy not in deps.data(request).policies:
        raise DpvAlmiError(404, f"No policy {policy!r}; GET /v1/policies lists them.", "Unknown policy")


async def checked_filters(request: Request, filters: dict[str, str | None]) -> dict[str, Any]:
    """Each given concept filter as its checked IRI (None stays None)."""
    return {
        name: None if value is None else await check_concept(request, name, value) for name, value in filters.items()
    }
