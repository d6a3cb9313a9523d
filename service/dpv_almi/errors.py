"""The one error type: whatever goes wrong says so once, and each layer renders it its own way.

The web renders a :class:`DpvAlmiError` as RFC 9457 ``application/problem+json`` with its
``status``, ``title`` and ``detail`` (``extra`` become extension members); the query runner raises
it for queries it cannot answer; the command line prints ``detail`` on one line and exits with
``exit_code``.  The exit codes, shared by every command, follow pySHACL's contract and add one
for our own failures, so that a CI job can tell "the notice does not conform" from "the tool broke".
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

EXIT_OK = 0
"""The command did what was asked, and (for ``validate``) the data conforms."""
EXIT_FAILED = 1
"""The check ran and failed: the data does not conform at the ``--fail-on`` level."""
EXIT_USAGE = 2
"""Bad usage or unreadable input: wrong arguments, a missing file, malformed RDF or JSON."""
EXIT_INTERNAL = 3
"""An unexpected failure of the tool itself (a bug): never mistaken for a failed check."""


class DpvAlmiError(Exception):
    """An error a user, a client or a CI job is told about.

    ``status`` is the HTTP status (4xx: the request's fault, 5xx: ours or the store's); ``title``
    defaults to its reason phrase.  ``exit_code`` is what the CLI exits with (2 for a 4xx,
    3 for anything else, unless given); ``headers`` go on the HTTP answer."""

    def __init__(
        self,
        status: int,
        detail: str,
        title: str | None = None,
        *,
        exit_code: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.exit_code = exit_code if exit_code is not None else (EXIT_USAGE if status < 500 else EXIT_INTERNAL)
        self.headers = dict(headers or {})
        """HTTP headers the answer must carry (``WWW-Authenticate`` on a 401, ``Retry-After`` on a 503)."""
        self.extra = extra

    def __str__(self) -> str:
        return self.detail

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle every field, whatever the subclass's constructor, so that errors cross process pipes."""
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[DpvAlmiError], args: tuple[Any, ...], state: dict[str, Any]) -> DpvAlmiError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(DpvAlmiError):
    """Input the user or client can fix: a bad argument, file, parameter or shapes (400, exit 2)."""

    def __init__(self, detail: str, title: str | None = None, **extra: Any) -> None:
        super().__init__(400, detail, title, **extra)
