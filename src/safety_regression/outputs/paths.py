"""The output folder's file names, and the checks of output paths a command makes before
it starts: a folder or file it cannot write, or one that is one of its own inputs, is
refused before any model is asked."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
JUNIT_XML = "junit.xml"
RESULTS_JSONL = "results.jsonl"
REFERENCE_SNAPSHOT = "reference.snapshot.json"
FINETUNED_SNAPSHOT = "finetuned.snapshot.json"
REPORT_FILES = (REPORT_JSON, REPORT_MD, JUNIT_XML, RESULTS_JSONL)
"""What a gate writes beside the snapshots (a shard writes only the snapshots)."""
OUTPUT_FILES = (*REPORT_FILES, REFERENCE_SNAPSHOT, FINETUNED_SNAPSHOT)
MANIFEST = ".safety-run.json"
PARTIAL = ".partial"


def check_out_dir(out_dir: Path, what: str = "--out") -> None:
    """Fail now, before any model is asked, when ``out_dir`` cannot be made or written."""
    _no_nul(out_dir, what)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"{what} {out_dir}: is a file, not a folder; choose another output folder")
        if not os.access(out_dir, os.W_OK | os.X_OK) or not _can_write_in(out_dir):
            raise ConfigError(f"{what} {out_dir}: the folder is not writable; choose another output folder")
        # A folder where an output goes, or where it is written first (``.report.json.partial``),
        # cannot be replaced by it: found now, not after the run.
        names = (*OUTPUT_FILES, MANIFEST)
        for name in (*names, *(f".{name}{PARTIAL}" for name in names)):
            if (out_dir / name).is_dir():
                raise ConfigError(
                    f"{what} {out_dir}: {name} there is a folder, so the outputs cannot be written; "
                    "remove it or choose another output folder"
                )
        return
    _check_creatable(out_dir, what)


def check_file_target(path: Path, what: str) -> None:
    """Fail now when the file ``path`` could not be written (or appended to) later."""
    _no_nul(path, what)
    if path.is_dir():
        raise ConfigError(f"{what} {path}: is a folder, not a file")
    if path.exists():
        if not os.access(path, os.W_OK) or not _can_append_to(path):
            raise ConfigError(f"{what} {path}: the file is not writable")
        return
    _check_creatable(path, what)


def config_inputs(config: Config, *, baseline: bool = True) -> list[tuple[str, Path]]:
    """The files a command reads that none of its outputs may overwrite: the config file,
    its suite files, its judge calibration and (with ``baseline``) its baseline snapshot."""
    inputs = [("the config file", config.path)] if config.path is not None else []
    inputs += [
        ("a suite file of the config", Path(ref)) for ref in config.suite if not ref.startswith("builtin:")
    ]
    if config.judge.calibration is not None:
        inputs.append(("the judge's calibration file", config.judge.calibration))
    if baseline and config.baseline is not None:
        inputs.append(("the config's baseline snapshot", config.baseline))
    return inputs


def check_not_inputs(targets: Iterable[Path], inputs: Iterable[tuple[str, Path]], what: str) -> None:
    """Fail now, before any model is asked, when a file the command would write is one of
    its ``inputs`` (say ``baseline --output`` naming the config): it would be overwritten."""
    known = {_identity(path): (name, path) for name, path in inputs}
    for target in targets:
        hit = known.get(_identity(target))
        if hit is not None:
            raise ConfigError(
                f"{what} {target}: is {hit[0]} ({hit[1]}); writing there would overwrite it, "
                "so choose another path"
            )


def check_spares_inputs(out_dir: Path, inputs: Iterable[tuple[str, Path]], what: str = "--out") -> None:
    """``check_not_inputs`` for every file a run may write into ``out_dir``."""
    check_not_inputs((out_dir / name for name in OUTPUT_FILES), inputs, what)


def _identity(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL: checked elsewhere
        return str(path.absolute())


def _no_nul(path: Path, what: str) -> None:
    if "\x00" in str(path):
        raise ConfigError(f"{what} {str(path)!r}: a path cannot hold a NUL character")


def _check_creatable(path: Path, what: str) -> None:
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ConfigError(f"{what} {path}: {ancestor} is a file, so nothing can be written under it")
    if not os.access(ancestor, os.W_OK | os.X_OK) or not _can_write_in(ancestor):
        raise ConfigError(f"{what} {path}: the folder {ancestor} is not writable")


def _can_write_in(folder: Path) -> bool:
    """Whether a file can be made in ``folder``, by making one and removing it: permission
    bits are not the whole story (root passes ``os.access`` everywhere, and ``/proc`` or
    a read-only mount refuses what the bits allow)."""
    import tempfile

    try:
        descriptor, name = tempfile.mkstemp(prefix=".safety-regression-probe-", dir=folder)
    except OSError:
        return False
    os.close(descriptor)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return True


def _can_append_to(path: Path) -> bool:
    """Whether ``path`` opens for appending (nothing is written to it)."""
    try:
        with path.open("ab"):
            return True
    except OSError:
        return False
