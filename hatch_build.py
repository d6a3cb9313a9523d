"""Hatch build hook: the editor's npm assets (YASGUI) go into every wheel and sdist built from a checkout.

They are built, not committed (``make assets``: ``npm ci`` from ``package-lock.json``, then a copy
under ``service/dpv_almi/web/static/vendor/``).  A wheel without them serves a ``/sparql`` page that
asks for ``make assets``, which a pip user cannot run; so this hook copies them from ``node_modules``,
running ``npm ci`` first when needed.  A build from an sdist finds them already there.

Without npm the build still succeeds (``pip install`` from a tag, e.g. as a pre-commit hook, needs
only the validator) and says so, unless ``DPV_ALMI_REQUIRE_EDITOR=1`` (``make dist``, the release
command), which makes a missing editor an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ASSETS = ("yasgui.min.js", "yasgui.min.css")
VENDOR = Path("service/dpv_almi/web/static/vendor/yasgui")
NPM_BUILD = Path("node_modules/@zazuko/yasgui/build")


class EditorAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        vendor = root / VENDOR
        if all((vendor / name).is_file() for name in ASSETS):
            return
        source = root / NPM_BUILD
        problem = None
        if not all((source / name).is_file() for name in ASSETS):
            if (root / "package-lock.json").is_file() and shutil.which("npm"):
                result = subprocess.run(
                    ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],  # noqa: S607
                    cwd=root,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    problem = f"npm ci failed: {result.stderr.strip()[-500:]}"
            else:
                problem = "npm (Node.js) is not installed"
        if problem is None and all((source / name).is_file() for name in ASSETS):
            vendor.mkdir(parents=True, exist_ok=True)
            for name in ASSETS:
                shutil.copyfile(source / name, vendor / name)
            return
        message = f"the SPARQL editor's assets are not built ({problem or 'no YASGUI build in node_modules'})"
        if os.environ.get("DPV_ALMI_REQUIRE_EDITOR") == "1":
            raise RuntimeError(message + "; run `make assets` (needs npm) before `make dist`")
        self.app.display_warning(message + ": building without the editor (/sparql in a browser will say so)")
