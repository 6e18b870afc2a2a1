"""Where the built-in suite data lives, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

from safety_regression.errors import SuiteError

MANIFEST = "builtin.yaml"


def suites_dir() -> Path:
    """The built-in suites: packaged with a wheel, or ``suites/`` beside ``src/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_builtin_suites", package.parent.parent / "suites"):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise SuiteError("built-in suites are missing from this installation; reinstall the package")
