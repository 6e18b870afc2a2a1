"""suite list | show | stats | validate | import: look into suites and bring your own."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tabulate import tabulate

from safety_regression import wording
from safety_regression.cli.console import info
from safety_regression.errors import SuiteError
from safety_regression.suites import load_suite
from safety_regression.suites.builtin import BUILTIN_PREFIX, builtin_names, manifest
from safety_regression.suites.files import CaseCollection
from safety_regression.suites.importers import ImportFormat, import_cases, write_suite_jsonl
from safety_regression.suites.model import Suite
from safety_regression.suites.spelling import category_warnings
from safety_regression.suites.summary import summarize

format_option = click.option(
    "--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.group()
def suite() -> None:
    """Look into suites: list the built-ins, show cases, count them, validate and import files."""


@suite.command("list")
@format_option
def list_suites(output_format: str) -> int:
    """List the built-in suites with their sizes and versions."""
    rows = []
    version = manifest().version
    for name in builtin_names():
        summary = summarize(load_suite([BUILTIN_PREFIX + name]))
        rows.append(
            {
                "name": BUILTIN_PREFIX + name,
                "version": version,
                "cases": summary.cases,
                "harmful": summary.by_expect.get("refuse", 0),
                "benign": summary.by_expect.get("comply", 0),
                "capability": summary.by_expect.get("answer", 0),
                "hash": summary.hash,
                "description": manifest().description(name),
            }
        )
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(tabulate(rows, headers="keys"))
    return 0


def _warned(loaded: Suite) -> Suite:
    """The suite, its warnings (a category that looks misspelt) printed on stderr."""
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    return loaded


@suite.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--case", "case_id", default=None, help="Show only this case.")
def show(names: tuple[str, ...], case_id: str | None) -> int:
    """Print a suite's cases as JSONL (built-in names or files)."""
    loaded = _warned(load_suite(list(names)))
    cases = loaded.cases
    if case_id is not None:
        if case_id not in loaded.by_id:
            raise click.BadParameter(f"no case {case_id!r} in {loaded.name}", param_hint="--case")
        cases = (loaded.by_id[case_id],)
    for case in cases:
        click.echo(case.model_dump_json(exclude_none=True, exclude_defaults=True))
    return 0


@suite.command()
@click.argument("names", nargs=-1, required=True)
@format_option
def stats(names: tuple[str, ...], output_format: str) -> int:
    """Count a suite's cases by category, difficulty, language, transform and expect."""
    summary = summarize(_warned(load_suite(list(names))))
    if output_format == "json":
        click.echo(summary.model_dump_json(indent=2, exclude={"name"}))
        return 0
    click.echo(f"{summary.name}: {wording.count(summary.cases, 'case')}, hash {summary.hash}\n")
    click.echo(
        tabulate(
            [
                [name, c.harmful, c.harmful_clusters, c.benign, c.answer]
                for name, c in summary.by_category.items()
            ],
            headers=["category", "harmful", "clusters", "benign", "capability"],
        )
    )
    for title, counts in (
        ("difficulty", summary.by_difficulty),
        ("language", summary.by_language),
        ("transform", summary.by_transform),
        ("expect", summary.by_expect),
    ):
        click.echo("\n" + tabulate(list(counts.items()), headers=[title, "cases"]))
    return 0


@suite.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
def validate(paths: tuple[Path, ...]) -> int:
    """Check suite files and report every problem with its file and line (exit 2 if any).

    A category that looks like a misspelling of another is a warning (exit 0)."""
    collection = CaseCollection()
    for path in paths:
        collection.read(path)
    for problem in collection.problems:
        click.echo(problem, err=True)
    warnings = category_warnings(collection.own)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if collection.problems:
        noun = "problem" if len(collection.problems) == 1 else "problems"
        raise SuiteError(f"{len(collection.problems)} {noun} in {', '.join(map(str, paths))}")
    suite = load_suite([str(p) for p in paths])
    noted = f" ({len(warnings)} warning{'' if len(warnings) == 1 else 's'} above)" if warnings else ""
    click.echo(f"ok: {wording.count(len(suite.cases), 'case')}, hash {suite.hash}{noted}")
    return 0


@suite.command("import")
@click.argument("import_format", metavar="FORMAT", type=click.Choice([f.value for f in ImportFormat]))
@click.argument("source", metavar="INPUT", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the suite (JSONL).",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="FIELD=KEY",
    help="jsonl only: take our FIELD from the source's KEY (dotted for nested). Repeatable.",
)
@click.option("--category", default=None, help="Category for rows whose dataset has none.")
@click.option("--include-copyright", is_flag=True, help="harmbench: keep the copyright behaviours.")
@click.option("--id-prefix", default=None, help="Prefix of the case ids [default: the format name].")
@click.option(
    "--benign/--harmful",
    default=None,
    help="jailbreakbench: which split the file is [default: from the file name].",
)
def import_suite(
    import_format: str,
    source: Path,
    output: Path,
    mappings: tuple[str, ...],
    category: str | None,
    include_copyright: bool,
    id_prefix: str | None,
    benign: bool | None,
) -> int:
    """Convert a dataset you hold (HarmBench, AdvBench, JailbreakBench, XSTest, StrongREJECT,
    or any JSONL with --map) into a suite file."""
    mapping = {}
    for item in mappings:
        field, separator, key = item.partition("=")
        if not separator or not field or not key:
            raise click.BadParameter(f"{item!r} is not FIELD=KEY", param_hint="--map")
        mapping[field] = key
    cases = import_cases(
        source,
        ImportFormat(import_format),
        mapping=mapping or None,
        default_category=category,
        include_copyright=include_copyright,
        id_prefix=id_prefix,
        benign=benign,
    )
    write_suite_jsonl(cases, output)
    info(f"imported {wording.count(len(cases), 'case')} from {source} -> {output}")
    return 0
