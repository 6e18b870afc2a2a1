"""lazy_exports: a package's names load with their module on first use, then stay bound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PACKAGE = """
from safety_regression._lazy import lazy_exports as _lazy_exports
_LAZY = {"near": ".heavy", "far": "lazypkg.other"}
__all__ = ["far", "near"]
__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
"""

PROBE = """
import sys, lazypkg
print("heavy" in str(sorted(sys.modules)))
print(lazypkg.near, "near" in vars(lazypkg), "lazypkg.other" in sys.modules)
print(lazypkg.far, sorted(n for n in dir(lazypkg) if not n.startswith("_")))
try:
    lazypkg.missing
except AttributeError as error:
    print(error)
"""


def test_names_load_on_first_use_relative_or_absolute(tmp_path: Path) -> None:
    package = tmp_path / "lazypkg"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    (package / "heavy.py").write_text("near = 'N'\n", encoding="utf-8")
    (package / "other.py").write_text("far = 'F'\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == [
        "False",
        "N True False",
        "F ['far', 'heavy', 'near', 'other']",
        "module 'lazypkg' has no attribute 'missing'",
    ]
