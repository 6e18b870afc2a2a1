"""simulate and schema: the offline model simulator, and the config's JSON Schema."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from safety_regression.cli.console import info
from safety_regression.config import config_json_schema
from safety_regression.errors import ConfigError
from safety_regression.suites import load_suite


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="SAFETY_SIMULATOR_HOST")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, envvar="SAFETY_SIMULATOR_PORT"
)
@click.option(
    "--profiles",
    "profiles_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="YAML mapping of model name -> profile [default: the demo's base-model and demo-finetune].",
)
@click.option(
    "--suite",
    "suites",
    multiple=True,
    default=["builtin:research", "builtin:capability"],
    show_default=True,
    help="Suites whose prompts the simulator recognises (repeatable).",
)
@click.option("--seed", type=int, default=0, show_default=True)
def simulate(host: str, port: int, profiles_path: Path | None, suites: tuple[str, ...], seed: int) -> int:
    """Serve the OpenAI-compatible model simulator, for offline dry runs."""
    from safety_regression.endpoints.simulator import DEMO_PROFILES, clock, load_profiles, serve

    profiles = load_profiles(profiles_path) if profiles_path else DEMO_PROFILES
    suite = load_suite(list(suites))

    def ready(url: str) -> None:
        info(f"simulating {', '.join(profiles)} at {url} (Ctrl-C to stop)")

    try:
        with contextlib.suppress(KeyboardInterrupt):
            # On a loop whose timers keep the simulated latency to the tenth of a millisecond.
            clock.run(serve(profiles, suite.cases, host=host, port=port, seed=seed, ready=ready))
    except OSError as exc:
        raise ConfigError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc}); "
            "pick a free port with --port"
        ) from None
    return 0


@click.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def schema(output: Path | None) -> int:
    """Print the gate config's JSON Schema (for editors and CI validation)."""
    text = config_json_schema()
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {output}: cannot write the schema: {exc.strerror or exc}") from None
    else:
        click.echo(text, nl=False)
    return 0
