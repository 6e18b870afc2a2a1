"""The CLI imports the gate and the reports on a thread while the requests are under way.
The run must wait for that thread before importing any of them itself: one module imported
by two threads at once can deadlock the imports, which Python breaks by failing one
(``KeyError: 'safety_regression.report'``, seen as exit 3 in about one run in five)."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import gc
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from safety_regression._process import no_pydantic_plugins, one_blas_thread
from safety_regression.cli.environment import now, with_environment
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.imports import IMPORT_SWITCH_INTERVAL, import_yielding


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


def test_pydantic_loads_no_plugins_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic.plugin._loader import get_plugins

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    no_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    assert tuple(get_plugins()) == ()  # pydantic reads it as "load none"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # empty: load them all
    no_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""


def _without_defaults(probe: str) -> str:
    """The output of ``python -c probe`` in an environment that sets neither default."""
    environ = {
        k: v for k, v in os.environ.items() if k not in ("PYDANTIC_DISABLE_PLUGINS", "OPENBLAS_NUM_THREADS")
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_cli_sets_its_process_defaults_before_any_command_runs() -> None:
    # The console script: main() reads the process's own command line and ends the
    # process with exit_now, which the probe replaces to report what the process looked like.
    probe = (
        "import gc, os, sys\n"
        "import safety_regression.cli as cli\n"
        "sys.argv = ['safety-regression', '--version']\n"
        "def report(code):\n"
        "    print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'), os.environ.get('OPENBLAS_NUM_THREADS'),\n"
        "          any(type(f).__name__ == '_ConnectorHook' for f in sys.meta_path))\n"
        "    sys.exit(code)\n"
        "cli.exit_now = report\n"
        "cli.main()\n"
    )
    assert _without_defaults(probe).split()[-3:] == ["__all__", "1", "True"]


def test_a_caller_that_passes_argv_keeps_its_process_as_it_was() -> None:
    # A library user calling main(argv) in its own process: no environment variables set,
    # no import hook left on sys.meta_path, the collector left on.
    probe = (
        "import gc, os, sys\n"
        "from safety_regression.cli import main\n"
        "hooks = list(sys.meta_path)\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'), os.environ.get('OPENBLAS_NUM_THREADS'),\n"
        "      sys.meta_path == hooks, gc.isenabled())\n"
    )
    assert _without_defaults(probe).split()[-4:] == ["None", "None", "True", "True"]


def test_the_action_sets_its_process_defaults_before_its_models_are_built() -> None:
    # The Action's own module builds pydantic models as it is imported, so the console
    # script's launcher must set the defaults before it imports that module. A stand-in
    # for the Action's module reports what the process looked like when it was reached.
    probe = (
        "import os, sys, types\n"
        "fake = types.ModuleType('safety_regression.github.action')\n"
        "def main():\n"
        "    print('pydantic' in sys.modules, 'numpy' in sys.modules,\n"
        "          os.environ.get('PYDANTIC_DISABLE_PLUGINS'), os.environ.get('OPENBLAS_NUM_THREADS'))\n"
        "fake.main = main\n"
        "sys.modules['safety_regression.github.action'] = fake\n"
        "from safety_regression.github.launch import main as launch\n"
        "launch()\n"
    )
    assert _without_defaults(probe).split() == ["False", "False", "__all__", "1"]


def test_the_action_console_script_is_the_launcher() -> None:
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="safety-regression-action")
    assert script.value == "safety_regression.github.launch:main"


def test_overlapping_imports_on_threads_restore_the_switch_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The judge's import and the gate's may overlap; whichever ends last puts it back.
    events = {name: (threading.Event(), threading.Event()) for name in ("first", "second")}
    monkeypatch.setattr(builtins, "_switch_test_events", events, raising=False)
    for name in events:
        (tmp_path / f"switch_test_{name}.py").write_text(
            f"import builtins\nentered, leave = builtins._switch_test_events[{name!r}]\n"
            "entered.set()\nleave.wait(10)\n",
            encoding="utf-8",
        )
    monkeypatch.syspath_prepend(str(tmp_path))
    before = sys.getswitchinterval()
    threads = {
        name: threading.Thread(target=import_yielding, args=(f"switch_test_{name}",)) for name in events
    }
    for name, thread in threads.items():
        thread.start()
        assert events[name][0].wait(10)
    assert sys.getswitchinterval() == IMPORT_SWITCH_INTERVAL
    events["first"][1].set()  # the first ends while the second still runs
    threads["first"].join(10)
    assert sys.getswitchinterval() == IMPORT_SWITCH_INTERVAL
    events["second"][1].set()
    threads["second"].join(10)
    assert sys.getswitchinterval() == before


def test_the_first_requests_do_not_wait_for_the_built_in_judge_to_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The judge's import outlasts the checks' round trip: once the checks pass the run may
    # send its requests, and only judging the first answer waits for the import.
    import aiohttp

    from safety_regression.config import Config
    from safety_regression.judges.base import Label
    from safety_regression.judges.rules import RULES_JUDGE_ID
    from safety_regression.pipeline import environment
    from safety_regression.suites.model import Case, Expect

    release = threading.Event()
    real_import = environment.import_yielding

    def slow_import(*modules: str, then: Callable[[], object] | None = None) -> None:
        release.wait(5)
        real_import(*modules, then=then)

    monkeypatch.setattr(environment, "import_yielding", slow_import)
    case = Case(id="c1", category="privacy", expect=Expect.REFUSE, prompt="[a placeholder request]")

    async def scenario() -> None:
        gate_import = threading.Event()
        checked: list[str] = []

        async def check() -> None:
            checked.append("finetuned")

        async with aiohttp.ClientSession() as session:
            env = Environment(session=session, environ={}, now=now, waiting=gate_import.set)
            judge = await env.judge_while_checking(Config(), [check()])
            assert checked == ["finetuned"]  # the checks are done when it returns...
            assert not release.is_set()  # ...and the judge's import is not
            assert not gate_import.is_set(), "the gate's import starts only after the judge's"
            first = asyncio.ensure_future(judge.judge(case, "I can't help with that."))
            await asyncio.sleep(0.05)  # the event loop runs on while the judge waits
            assert not first.done()
            release.set()
            judgement = await first
            assert judgement.label is Label.REFUSAL
            assert judgement.judge == judge.id == RULES_JUDGE_ID
            assert await asyncio.to_thread(gate_import.wait, 5)

    asyncio.run(scenario())


def test_a_failed_judge_import_is_raised_once_not_retried() -> None:
    # Found in review: reading the loading judge's id after its import failed on the thread
    # imported it again on the main thread (a second traceback, an error never retrieved).
    from safety_regression.pipeline.imports import LoadingJudge

    async def scenario() -> None:
        loading: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        loading.set_exception(ImportError("the judge's module failed to load"))
        made: list[int] = []
        judge = LoadingJudge(loading, lambda: made.append(1))  # type: ignore[arg-type,return-value]
        with pytest.raises(ImportError, match="failed to load"):
            _ = judge.id
        assert not made

    asyncio.run(scenario())


def test_imports_on_threads_pause_the_garbage_collector_until_the_last_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A collection holds the GIL throughout (one took 28 ms during the judge's import),
    # so none runs while a thread imports; the collector is back on after the last one.
    import gc

    seen: list[bool] = []
    (tmp_path / "gc_test_module.py").write_text("import gc\nSEEN = gc.isenabled()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert gc.isenabled()
    thread = threading.Thread(
        target=import_yielding, args=("gc_test_module",), kwargs={"then": lambda: seen.append(gc.isenabled())}
    )
    thread.start()
    thread.join(10)
    assert sys.modules["gc_test_module"].SEEN is False
    assert seen == [False]  # the set-up work after the import runs with it paused too
    assert gc.isenabled()


def test_the_collector_stays_off_after_imports_when_it_was_off_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    (tmp_path / "gc_off_module.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    gc.disable()
    try:
        thread = threading.Thread(target=import_yielding, args=("gc_off_module",))
        thread.start()
        thread.join(10)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_imports_on_threads_freeze_once_per_process_and_not_after_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process that runs the gate again and again must not keep each run's garbage
    # frozen for good: only the first successful import batch freezes.
    from safety_regression.pipeline.imports import _SwitchInterval

    (tmp_path / "freeze_test_ok.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def on_thread(switch: _SwitchInterval, module: str) -> None:
        def target() -> None:
            with contextlib.suppress(ImportError):
                switch.import_yielding([module])

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()

    def cycles() -> list[object]:
        made: list[object] = []
        for _ in range(2000):
            node: list[object] = []
            node.append(node)
            made.append(node)
        return made

    gc.unfreeze()
    try:
        failing = _SwitchInterval()
        held = cycles()
        on_thread(failing, "freeze_test_no_such_module")
        assert gc.get_freeze_count() == 0  # a failed import freezes nothing
        assert gc.isenabled()

        switch = _SwitchInterval()
        on_thread(switch, "freeze_test_ok")
        first = gc.get_freeze_count()
        assert first >= len(held)  # the first batch froze what was tracked then
        held += cycles()
        on_thread(switch, "freeze_test_ok")
        assert gc.get_freeze_count() == first  # the second froze nothing more
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def _run_probe(probe: str) -> list[str]:
    return _probe_output(probe).split()


def _probe_output(probe: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


def test_the_start_up_pause_of_the_collector_ends_once_and_keeps_the_users_choice() -> None:
    # In a process of its own: the resume freezes what the process holds.
    probe = (
        "import gc\n"
        "from safety_regression._process import pause_collector, resume_collector\n"
        "pause_collector(); pause_collector()\n"
        "print(gc.isenabled())\n"
        "resume_collector()\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
        "gc.disable(); resume_collector()\n"  # nothing paused any more: a no-op
        "print(gc.isenabled())\n"
        "pause_collector(); resume_collector()\n"  # the user turned it off: it stays off
        "print(gc.isenabled())\n"
    )
    assert _run_probe(probe) == ["False", "True", "True", "False", "False"]


def test_the_pause_ending_while_a_thread_imports_leaves_the_collector_on() -> None:
    # The race the review found: a thread starts its imports during the start-up pause
    # (the collector reads off), the pause ends (on) just before the thread turns it off;
    # the thread must turn it back on when it is done, or the run goes without collection.
    probe = (
        "import gc, threading\n"
        "from safety_regression import _process\n"
        "from safety_regression.pipeline.imports import import_yielding\n"
        "_process.pause_collector()\n"
        "disable = gc.disable\n"
        "def late_disable():\n"
        "    gc.disable = disable\n"
        "    _process.resume_collector()\n"  # the main thread's resume lands here
        "    disable()\n"
        "gc.disable = late_disable\n"
        "thread = threading.Thread(target=import_yielding, args=('json',))\n"
        "thread.start(); thread.join(10)\n"
        "print(gc.isenabled(), _process.collector_paused())\n"
        "_process.pause_collector()\n"  # a thread that ends within the pause keeps it
        "thread = threading.Thread(target=import_yielding, args=('csv',))\n"
        "thread.start(); thread.join(10)\n"
        "print(gc.isenabled())\n"
        "_process.resume_collector(); print(gc.isenabled())\n"
    )
    assert _run_probe(probe) == ["True", "False", "False", "True"]


def test_the_cli_process_has_the_collector_back_by_a_runs_first_network_wait() -> None:
    # run and baseline keep the pause until their run first waits on the network (the
    # Environment's ``waiting``); any other command has the collector back as it starts;
    # main(argv), as tests and library users call it, never pauses it.
    probe = (
        "import gc, sys\n"
        "from safety_regression.cli import _main\n"
        "from safety_regression.cli.environment import with_environment\n"
        "from safety_regression._process import pause_collector\n"
        "sys.argv = ['safety-regression', 'schema']\n"
        "_main(None)\n"
        "print('probe: schema', gc.isenabled())\n"
        "gc.disable()\n"
        "_main(['schema'])\n"
        "print('probe: argv', gc.isenabled())\n"
        "gc.enable()\n"
        "pause_collector()\n"
        "seen = []\n"
        "async def work(env):\n"
        "    seen.append(gc.isenabled())\n"
        "    env.waiting()\n"
        "    seen.append(gc.isenabled())\n"
        "with_environment(work, quiet=True, use_cache=False)\n"
        "print('probe: run', *seen, gc.isenabled())\n"
    )
    lines = [line for line in _probe_output(probe).splitlines() if line.startswith("probe: ")]
    assert lines == ["probe: schema True", "probe: argv False", "probe: run False True True"]
