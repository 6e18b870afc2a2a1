"""Process-wide defaults that the console scripts (the CLI and the Action) set first.

Each must be in the environment before the library it steers is first imported, so the
entry points call ``process_defaults`` before they import anything heavy. A library
user's own process is left alone: importing ``safety_regression`` sets nothing. The
lowest layer: it imports nothing of the project.
"""

from __future__ import annotations

import os


def process_defaults() -> None:
    """Both defaults below, each only where the user has not chosen."""
    one_blas_thread()
    no_pydantic_plugins()


def one_blas_thread() -> None:
    """Ask numpy's OpenBLAS for one thread, unless the user chose a number. The gate does
    no linear algebra, and OpenBLAS's pool (one thread per core, spinning for work) costs
    ~0.17 s of CPU on another core when numpy loads (`import numpy, scipy.special`: 0.28 s
    of CPU with one thread, 0.44-0.54 s with two, on the 2-core machine), CPU that a run
    needs for the event loop and a local model server. Set before numpy is first imported."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def no_pydantic_plugins() -> None:
    """Load no third-party pydantic plugins, unless the user set ``PYDANTIC_DISABLE_PLUGINS``
    (set it empty to load them all). pydantic looks for plugins among the entry points of
    every installed distribution when it builds its first validator: 3-4 ms of CPU before
    the first request with 65 distributions installed, more in a crowded environment, for
    plugins (observability hooks) that have no business in the gate's own config and
    snapshot models. Set before pydantic builds its first model."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
