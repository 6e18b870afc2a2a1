"""Names a package offers but imports on first use (PEP 562).

A package whose ``__init__`` would otherwise import everything it re-exports writes::

    _LAZY = {"Suite": ".model", "load_suite": ".loader"}
    __getattr__, __dir__ = lazy_exports(__name__, _LAZY)

and ``import package`` stays cheap: each name's module loads when the name is first read,
and the value is then bound in the package, so later look-ups never come back here.
The lowest layer: it imports nothing of the project.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: each key of ``names`` is served
    from its module, named absolutely or relative to ``package`` (a leading dot)."""

    def __getattr__(name: str) -> object:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        vars(sys.modules[package])[name] = value  # later look-ups skip this function
        return value

    def __dir__() -> list[str]:
        namespace = vars(sys.modules[package])
        return sorted({*namespace, *namespace.get("__all__", ())})

    return __getattr__, __dir__
