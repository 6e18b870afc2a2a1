"""The package's public API: __all__ names exactly what the package offers."""

from __future__ import annotations

import inspect
import subprocess
import sys

import safety_regression


def test_all_lists_every_public_name_and_nothing_else() -> None:
    # The names load lazily: offered = what is already bound plus what __getattr__ serves.
    offered = {
        name
        for name, value in vars(safety_regression).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    } | set(safety_regression._LAZY)
    assert set(safety_regression.__all__) == offered | {"__version__"}


def test_every_public_name_resolves_to_the_object_its_module_defines() -> None:
    for name in safety_regression.__all__:
        value = getattr(safety_regression, name)
        if name != "__version__":
            module = sys.modules[safety_regression._LAZY[name]]
            assert value is getattr(module, name)
    assert set(safety_regression.__all__) <= set(dir(safety_regression))


def test_an_unknown_name_is_an_attribute_error() -> None:
    assert not hasattr(safety_regression, "no_such_name")


def test_importing_the_package_loads_neither_scipy_nor_pydantic() -> None:
    code = (
        "import sys, safety_regression; print(sorted(m for m in ('scipy', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_version_is_a_string() -> None:
    assert isinstance(safety_regression.__version__, str) and safety_regression.__version__
