"""Every ``# type: ignore`` in the package names its error code and says why (issue #13).

mypy runs strict on the package; an ignore is a place where it cannot follow (untyped libraries,
rdflib's unions), and the reason is what the next reader needs to judge whether it still holds.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "dpv_almi"
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<rest>.*)$")
WITH_REASON = re.compile(r"^\[[a-z-]+(?:,\s*[a-z-]+)*\]\s+#\s*\S")


def test_every_type_ignore_in_the_package_has_a_code_and_a_reason() -> None:
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if match and not WITH_REASON.match(match["rest"]):
                bare.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert not bare, f"type: ignore without a code and a reason: {bare}"
