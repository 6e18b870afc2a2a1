"""SIGTERM inside ``asyncio.run``: it cancels the main task, so every cleanup runs in order.

Each case runs in its own interpreter (a signal handler is process-wide). The worker that
sends the signal keeps running Python for a moment, so the old handler's
``KeyboardInterrupt`` would land in that worker, not in the main task.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from safety_regression._process import handle_sigterm, interrupting_signal, sigterm_cancels

    async def worker(index):
        if index == 0:
            await asyncio.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)
            total = 0
            for step in range(200_000):  # Python code runs here as the signal arrives
                total += step
        await asyncio.sleep(5)

    async def evaluate():
        await asyncio.gather(*(worker(i) for i in range(8)))

    async def main():
        try:
            # A task of its own around the workers, as a run evaluates each model.
            await asyncio.gather(asyncio.create_task(evaluate()))
        except (asyncio.CancelledError, KeyboardInterrupt) as exc:
            await asyncio.sleep(0.05)  # cleanup that awaits, as completing a check run does
            print("cleanup ran after", type(exc).__name__, flush=True)
            raise

    handle_sigterm()
    try:
        asyncio.run(sigterm_cancels(main()) if sys.argv[1] == "wrapped" else main())
    except KeyboardInterrupt:
        print("interrupted by", interrupting_signal().name, flush=True)
        sys.exit(143)
    """
)


def run_script(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize("attempt", range(3))
def test_sigterm_in_a_worker_task_cancels_the_main_task_and_its_cleanup_runs(attempt: int) -> None:
    """Found in fresh-clone CI (about one run in eight under load): a SIGTERM that landed in
    one of the run's request tasks skipped the Action's cleanup, and its check run stayed
    in progress."""
    done = run_script("wrapped")
    assert done.returncode == 143, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["cleanup ran after CancelledError", "interrupted by SIGTERM"]
    assert "Traceback" not in done.stderr, done.stderr


def test_a_second_sigterm_ends_the_process_at_once() -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, signal
        from safety_regression._process import handle_sigterm, sigterm_cancels

        async def main():
            asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                os.kill(os.getpid(), signal.SIGTERM)  # the second: the default action
                await asyncio.sleep(5)
                print("not reached", flush=True)

        handle_sigterm()
        asyncio.run(sigterm_cancels(main()))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGTERM, done.stdout + done.stderr
    assert "not reached" not in done.stdout


def test_outside_the_cli_a_library_callers_handlers_are_left_alone() -> None:
    """Without ``handle_sigterm`` (a library caller), ``sigterm_cancels`` only awaits."""
    script = textwrap.dedent(
        """
        import asyncio, signal
        from safety_regression._process import sigterm_cancels

        async def main():
            return signal.getsignal(signal.SIGTERM)

        inside = asyncio.run(sigterm_cancels(main()))
        print(inside is signal.SIG_DFL, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr


def test_after_a_run_that_was_not_interrupted_sigterm_is_the_clis_again() -> None:
    script = textwrap.dedent(
        """
        import asyncio, signal
        from safety_regression._process import _on_sigterm, handle_sigterm, sigterm_cancels

        async def main():
            return signal.getsignal(signal.SIGTERM) is _on_sigterm

        handle_sigterm()
        print(asyncio.run(sigterm_cancels(main())), signal.getsignal(signal.SIGTERM) is _on_sigterm)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    # Inside, the loop's handler stands in for the CLI's; after, the CLI's is back.
    assert done.stdout.split() == ["False", "True"], done.stdout + done.stderr
