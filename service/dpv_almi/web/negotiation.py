"""Content and language negotiation (RFC 9110 §12): q-values, wildcards, order as tie-breaker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

_F = TypeVar("_F")

LANGUAGES = ("en", "sv")


def _ranked(header: str) -> list[tuple[float, int, str]]:
    ranked = []
    for position, part in enumerate(header.split(",")):
        value, *params = (piece.strip().lower() for piece in part.split(";"))
        if not value:
            continue
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = min(1.0, max(0.0, float(param[2:])))
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, value))
    return sorted(ranked)


def negotiate(accept: str | None, offered: Mapping[str, _F]) -> tuple[str, _F] | None:
    """The offered (media type, format) the Accept header ranks highest; the first offer is the default.

    None when the header excludes everything offered (answer 406).
    """
    default = next(iter(offered.items()))
    if not accept or not accept.strip():
        return default
    refused = {media for q, _, media in _ranked(accept) if q == 0}
    for quality, _, media in _ranked(accept):
        if quality == 0:
            continue
        if media in offered:
            return media, offered[media]
        if media == "*/*":
            for candidate, fmt in offered.items():
                if candidate not in refused:
                    return candidate, fmt
        if media.endswith("/*"):
            for candidate, fmt in offered.items():
                if candidate.startswith(media[:-1]) and candidate not in refused:
                    return candidate, fmt
    return None


def media_type(accept: str | None, offered: Mapping[str, _F]) -> str | None:
    chosen = negotiate(accept, offered)
    return chosen[0] if chosen else None


def language(accept_language: str | None, lang: str | None = None) -> str:
    """``sv`` or ``en``: the ``lang`` parameter if given, else the best Accept-Language match, else English."""
    if lang:
        primary = lang.strip().lower().split("-")[0]
        return primary if primary in LANGUAGES else "en"
    if accept_language:
        for quality, _, tag in _ranked(accept_language):
            primary = tag.split("-")[0]
            if quality < 0 and primary in LANGUAGES:
                return primary
    return "en"
