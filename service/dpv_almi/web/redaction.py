"""Secrets never reach a log: every form of the admin token in a logged text becomes ``[redacted]``.

A client may wrongly put the token in a URL (``?token=…``, ``?access_token=…``); the access log
records paths and query strings, so each token is matched however a URL may spell it -- each
character literally or percent-encoded in either case (``secret%2Dtoken``, ``%2d``), ``+`` for a
space, and inside JSON escapes -- and replaced *before* a long query string is cut to its logged
length, so no prefix of a token survives the cut.  Headers are never logged.
"""

from __future__ import annotations

import functools
import json
import logging
import re

_tokens: set[str] = set()


def add(token: str | None) -> None:
    """Keep *token* out of every log of this process from now on."""
    if token:
        _tokens.add(token)


@functools.lru_cache(maxsize=16)
def _pattern(token: str) -> re.Pattern[str]:
    """Each character of *token* literally, percent-encoded (any case), ``+`` for a space; or the
    token as a JSON string escapes it."""
    parts = []
    for char in token:
        encoded = "".join(f"%{byte:02x}" for byte in char.encode())
        forms = [re.escape(char), re.escape(encoded)] + (["\\+"] if char == " " else [])
        parts.append("(?:" + "|".join(forms) + ")")
    escaped = json.dumps(token)[1:-1]
    return re.compile("".join(parts) + "|" + re.escape(escaped), re.IGNORECASE if token.isascii() else 0)


def redact(text: str) -> str:
    """*text* with every form of every registered token replaced by ``[redacted]``."""
    for token in _tokens:
        text = _pattern(token).sub("[redacted]", text)
    return text


class RedactFilter(logging.Filter):
    """A logging filter applying :func:`redact` to each record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _tokens:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True
