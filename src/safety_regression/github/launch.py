"""The Action's console script, ``safety-regression-action``: the process defaults first.

``safety_regression.github.action`` builds pydantic models and may load numpy as it is
imported, so the defaults of ``_process`` (no pydantic plugins, one BLAS thread) are set
here, in a module that imports nothing heavy, before the Action's own module loads. The
CLI does the same in ``cli.main``.
"""

from __future__ import annotations

from safety_regression._process import process_defaults


def main() -> None:
    """Set the process defaults, then run the Action (``action.main``)."""
    process_defaults()
    from safety_regression.github.action import main as run_action_main

    run_action_main()
