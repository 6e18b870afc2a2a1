"""The CLI imports the gate and the reports on a thread while the requests are under way.
The run must wait for that thread before importing any of them itself: one module imported
by two threads at once can deadlock the imports, which Python breaks by failing one
(``KeyError: 'safety_regression.report'``, seen as exit 3 in about one run in five)."""

from __future__ import annotations

import os
import threading

import pytest

from safety_regression.cli import one_blas_thread
from safety_regression.cli.environment import with_environment
from safety_regression.pipeline.environment import Environment


def _loader_alive() -> bool:
    return any(thread.name == "import-gate" and thread.is_alive() for thread in threading.enumerate())


def test_settle_imports_returns_only_once_the_background_import_is_over() -> None:
    seen: list[bool] = []

    async def work(env: Environment) -> int:
        seen.append(_loader_alive())  # before the first network wait it has not even started
        env.settle_imports()
        seen.append(_loader_alive())
        env.settle_imports()  # a second call is free
        return 7

    assert with_environment(work, quiet=True, use_cache=False) == 7
    assert seen == [True, False]
    assert not _loader_alive()


def test_with_environment_leaves_no_import_running_when_it_returns() -> None:
    async def work(env: Environment) -> None:
        return None

    with_environment(work, quiet=True, use_cache=False)
    assert not _loader_alive()


def test_numpy_gets_one_blas_thread_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "8"
