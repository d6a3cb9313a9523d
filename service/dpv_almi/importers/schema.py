"""Reading a TILT document: JSON, then the TILT JSON Schema, with the corpus's known deviations tolerated.

Every one of the 61 notices of the TILT corpus breaks the strict schema (``null`` or ``[]`` for a
missing string, ``"Luxemburg"`` for a country code, one object where a list is expected …), so a
strict check would refuse them all.  The schema's errors are therefore sorted in two:

* **tolerated** (reported, the value is read leniently): an empty value (``null``, ``[]``, ``{}``,
  ``""``) of the wrong type; one object (or string) where a list of objects (or strings) is expected; a string that breaks a
  ``pattern``, length or ``enum`` (kept as text); a missing key inside a section;
* **fatal** (the file is refused, exit 2, naming the file and the JSON pointer): not JSON, not an
  object, a missing section or ``meta`` field, or a non-empty value of another kind (a number where
  text is expected, text where an object is expected …).

``strict=True`` makes every schema error fatal.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from dpv_almi.errors import InputError
from dpv_almi.loading import RdfLoadError, read_input

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "tilt-schema.json"


@functools.cache
def validator() -> Draft7Validator:
    """The TILT schema (draft-07, shipped with the package: ``data/tilt-schema.json``)."""
    return Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


class TiltError(InputError):
    """A file that is not a TILT document: exit 2, naming the file and where in it."""

    def __init__(self, file: str, pointer: str, message: str) -> None:
        super().__init__(f"{file}: {pointer or '/'}: {message}", "Not a TILT document")
        self.file = file
        self.pointer = pointer


@dataclass
class Deviation:
    """One schema error the reader tolerated."""

    pointer: str
    message: str


@dataclass
class TiltDocument:
    """A TILT document that was read, and the deviations from the schema it was read despite."""

    data: dict[str, Any]
    deviations: list[Deviation] = field(default_factory=list)


def pointer(path: Any) -> str:
    """RFC 6901 JSON pointer of a jsonschema path."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors under an ``anyOf``: those of the branch that came closest (fewest errors)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        for sub in min(branches.values(), key=len):
            yield from _leaves(sub)
    else:
        yield error


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def _item_type(schema: Any) -> str | None:
    """The type of a list's items in the TILT schema (``items: {anyOf: [{type: …}]}``)."""
    items = schema.get("items") if isinstance(schema, dict) else None
    if not isinstance(items, dict):
        return None
    for branch in items.get("anyOf", [items]):
        if isinstance(branch, dict) and isinstance(branch.get("type"), str):
            return str(branch["type"])
    return None


def _tolerated(error: ValidationError) -> bool:
    value, depth = error.instance, len(error.absolute_path)
    if error.validator == "type":
        expected = error.validator_value
        if _empty(value):
            return True
        if expected == "array" and isinstance(value, (dict, str)):
            return _item_type(error.schema) == ("object" if isinstance(value, dict) else "string")
        return False
    if error.validator in ("pattern", "maxLength", "minLength", "enum", "format"):
        return isinstance(value, str) or _empty(value)
    if error.validator == "required":
        # a key missing inside a section is read as absent; the sections and meta's fields are required
        return depth >= 1 and error.absolute_path[0] != "meta"
    return False


MAX_DEPTH = 64
"""TILT documents nest about 6 levels deep; far deeper JSON is refused before anything recurses over it."""


def _depth(data: Any) -> int:
    """How deeply *data* nests (without recursion: the point is to survive hostile depth)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            todo.extend((child, level + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def read(path: Path, *, strict: bool = False) -> TiltDocument:
    """Read and check one TILT file; :class:`TiltError` if it is not JSON or not TILT."""
    name = str(path)
    try:
        text = read_input(path).decode("utf-8")  # bounded: not /dev/zero until memory runs out
    except RdfLoadError as exc:  # past the input cap
        raise TiltError(name, "", exc.message) from None
    except UnicodeDecodeError as exc:
        raise TiltError(name, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise TiltError(name, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TiltError(name, "", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # Python's parser recurses per level: an internal error, not the input's
        raise TiltError(name, "", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer of more than 4300 digits (Python's int_max_str_digits)
        raise TiltError(name, "", f"not usable JSON: {str(exc).partition(';')[0]}") from None
    if _depth(data) > MAX_DEPTH:  # the schema check and the conversion recurse too
        raise TiltError(name, "", f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise TiltError(name, "", f"a TILT document is a JSON object, not {type(data).__name__}")
    document = TiltDocument(data)
    errors = sorted(validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for top in errors:
        for error in _leaves(top):
            where = pointer(error.absolute_path)
            if strict or not _tolerated(error):
                raise TiltError(name, where, f"breaks the TILT schema: {error.message[:200]}")
            document.deviations.append(Deviation(where, error.message[:200]))
    return document
