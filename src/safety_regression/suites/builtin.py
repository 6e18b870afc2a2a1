"""Where the built-in suites live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

from safety_regression.errors import SuiteError

# name -> file under the suites directory. The size tiers of the full suite are not
# shipped yet; until they are, "quick" and "standard" resolve to the starter suite so
# the documented example configs run. The suite hash in every snapshot tells them apart.
BUILTIN_SUITES: dict[str, str] = {
    "starter": "starter.jsonl",
    "quick": "starter.jsonl",
    "standard": "starter.jsonl",
}


def suites_dir() -> Path:
    """The built-in suites: packaged with a wheel, or ``suites/`` beside ``src/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_builtin_suites", package.parent.parent / "suites"):
        if candidate.is_dir():
            return candidate
    raise SuiteError("built-in suites are missing from this installation; reinstall the package")


def builtin_path(name: str) -> Path:
    if name not in BUILTIN_SUITES:
        known = ", ".join(f"builtin:{n}" for n in BUILTIN_SUITES)
        raise SuiteError(f"suite: unknown built-in suite builtin:{name} (known: {known})")
    return suites_dir() / BUILTIN_SUITES[name]
