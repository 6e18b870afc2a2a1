"""The package's public API: __all__ names exactly what the package offers."""

from __future__ import annotations

import inspect

import safety_regression


def test_all_lists_every_public_name_and_nothing_else() -> None:
    offered = {
        name
        for name, value in vars(safety_regression).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert set(safety_regression.__all__) == offered | {"__version__"}


def test_the_version_is_a_string() -> None:
    assert isinstance(safety_regression.__version__, str) and safety_regression.__version__
