"""What a policy id and a version label may be: defined once, checked at every door.

Both become folder names (the version archive, ``DIR/<id>/<version>/``), graph IRIs and registry
statements, so both are drawn from small safe alphabets: an id starts with a letter or digit and
holds letters, digits, ``-`` and ``_`` (at most 64); a version starts the same way and may also
hold ``.`` and ``+`` (``1.0``, ``2024-07-02``, ``1.0+fix``), which can never make ``.`` or ``..``
nor a path separator.  Messages never repeat the value (a misplaced secret must not be echoed
back or logged).  The admin route, the REST filters, the CLI and the registry all check
through here; anything else is a 400 (CLI: exit 2), before anything is written.
"""

from __future__ import annotations

import re

from dpv_almi.errors import InputError

POLICY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
"""A policy id (also the last segment of its graph IRI ``…/graph/<id>``)."""
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$"
"""A version label: one folder of the archive; two different labels never share one."""
RESERVED_IDS = frozenset({"dpv", "vocab", "registry"})
"""Graph ids of the service's own graphs: never a policy's."""

_POLICY_ID = re.compile(POLICY_ID_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)


def check_policy_id(value: str, *, reserved: bool = False) -> str:
    """*value* if it is a usable policy id, else an :class:`InputError` saying what one is
    (*reserved*: the service's own graph ids are accepted too, for the registry's records)."""
    if not _POLICY_ID.fullmatch(value) or (value in RESERVED_IDS and not reserved):
        raise InputError(
            "invalid policy id: 1 to 64 letters, digits, '-' or '_', starting with a letter "
            f"or digit, and not {', '.join(sorted(RESERVED_IDS))}",
            "Invalid policy id",
        )
    return value


def check_version(value: str) -> str:
    """*value* if it is a usable version label, else an :class:`InputError` saying what one is."""
    if not _VERSION.fullmatch(value):
        raise InputError(
            "invalid version: 1 to 64 letters, digits, '.', '+', '-' or '_', starting with a letter or digit",
            "Invalid version",
        )
    return value


def policy_id_from_name(name: str) -> str:
    """A policy id made from a file name's stem: characters outside the id alphabet become ``-``."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", name).lstrip("-_")[:64] or "policy"
    return cleaned
