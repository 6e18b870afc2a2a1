"""Writing a gate run's files as one set, and checking output paths before a run starts.

Every file is rendered first, then written beside its final name, flushed to disk and
renamed into place. The set is sealed by a manifest, ``.safety-run.json``, written last:
it names the run and the SHA-256 of each of its files. The previous manifest is removed
before the first file is replaced, so a folder whose manifest is missing or disagrees
with its files is known to be incomplete (``check_complete`` says so), never taken as
whole. Leftover ``.partial`` files of an interrupted write are removed by the next one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from safety_regression._version import __version__
from safety_regression.errors import ConfigError, SnapshotError

if TYPE_CHECKING:
    # The gate and the renderers (scipy, numpy) load only when a report is written, so the
    # path checks below cost nothing before the first request.
    from safety_regression.config import Config, ReportConfig
    from safety_regression.gate import GateResult
    from safety_regression.snapshot import Snapshot

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
JUNIT_XML = "junit.xml"
RESULTS_JSONL = "results.jsonl"
REFERENCE_SNAPSHOT = "reference.snapshot.json"
FINETUNED_SNAPSHOT = "finetuned.snapshot.json"
OUTPUT_FILES = (REPORT_JSON, REPORT_MD, JUNIT_XML, RESULTS_JSONL, REFERENCE_SNAPSHOT, FINETUNED_SNAPSHOT)


def write_outputs(
    out_dir: Path,
    result: GateResult,
    reference: Snapshot,
    candidate: Snapshot,
    report: ReportConfig,
    generated_at: datetime,
    *,
    snapshots: bool = True,
    command: str = "run",
) -> list[Path]:
    """Render every report, then move them into place. Returns the paths written."""
    from safety_regression.report import render_json, render_junit, render_markdown
    from safety_regression.report.results import results_jsonl_lines
    from safety_regression.snapshot.model import snapshot_json

    # Per-case files are streamed (written as they are rendered), never held whole.
    files: dict[str, FileText] = {
        REPORT_JSON: render_json(result, tool_version=__version__, generated_at=generated_at),
        REPORT_MD: render_markdown(result, report),
        JUNIT_XML: render_junit(result),
        RESULTS_JSONL: results_jsonl_lines(reference, candidate),
    }
    if snapshots:
        files[REFERENCE_SNAPSHOT] = snapshot_json(reference)
        files[FINETUNED_SNAPSHOT] = snapshot_json(candidate)
    return write_set(out_dir, files, command)


MANIFEST = ".safety-run.json"
PARTIAL = ".partial"

FileText = str | Iterable[str]
"""A file's text, whole or as pieces written one after another as they are produced."""


def write_set(out_dir: Path, files: Mapping[str, FileText], command: str = "run") -> list[Path]:
    """Write a run's ``files`` into ``out_dir`` as one set sealed by a manifest.

    ``command`` (``run``, ``run --shard 2/4``, ``compare``...) is recorded so that a later
    run into the same folder can say whose outputs it replaces.
    """
    try:
        return _write_set(out_dir, files, uuid.uuid4().hex[:12], command)
    except OSError as exc:
        # No partial file is left to look whole; the files already sealed have no manifest.
        _remove_partials(out_dir)
        where = f"{exc.filename}: " if exc.filename and Path(exc.filename) != out_dir else ""
        raise ConfigError(f"{out_dir}: cannot write the outputs: {where}{exc.strerror or exc}") from None


def _remove_partials(out_dir: Path) -> None:
    """Remove what a failed write left beside its files, as far as it can: the cleanup of a
    failed write never raises in its place. What cannot be removed (a folder named
    ``.report.json.partial``, found in review) stays, and the error names it."""
    with contextlib.suppress(OSError):
        for stale in out_dir.glob(f".*{PARTIAL}"):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)


def write_all(out_dir: Path, files: Mapping[str, FileText]) -> list[Path]:
    """Write each file durably (flushed, then renamed into place); no manifest."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            _write_durably(out_dir / name, text)
    except OSError as exc:
        raise ConfigError(f"{out_dir}: cannot write {', '.join(files)}: {exc.strerror or exc}") from None
    return [out_dir / name for name in files]


def _write_set(out_dir: Path, files: Mapping[str, FileText], run_id: str, command: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f".*{PARTIAL}"):
        stale.unlink(missing_ok=True)
    previous = out_dir / MANIFEST
    previous.unlink(missing_ok=True)
    _fsync_dir(out_dir)
    digests = {}
    # Each file is flushed to disk and renamed into place on a thread while the next one
    # is rendered and written: the disk's flushes overlap (and the file system commits
    # them together) instead of taking their turns. The manifest waits for all of them.
    with ThreadPoolExecutor(max_workers=max(1, len(files)), thread_name_prefix="outputs") as sealing:
        sealed = []
        for name, text in files.items():
            file, digests[name] = _write_partial(out_dir / name, text)
            sealed.append(sealing.submit(_seal, file, out_dir / name))
        for done in sealed:
            done.result()  # an OSError of any of them stops the write before the manifest
    manifest = {"run_id": run_id, "command": command, "tool_version": __version__, "files": digests}
    _write_durably(previous, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    _fsync_dir(out_dir)
    return [out_dir / name for name in files]


def _write_durably(final: Path, text: FileText) -> str:
    """Write ``text`` beside ``final``, flush, rename into place; returns its SHA-256."""
    file, digest = _write_partial(final, text)
    _seal(file, final)
    return digest


def _write_partial(final: Path, text: FileText) -> tuple[BinaryIO, str]:
    """``text`` written to a file beside ``final`` (left open, for ``_seal``) and its SHA-256."""
    partial = final.with_name(f".{final.name}{PARTIAL}")
    digest = hashlib.sha256()
    file = partial.open("wb", buffering=1 << 16)
    try:
        # Streamed pieces (one per result) are joined a few hundred at a time: one encode,
        # hash update and write per batch instead of per line.
        for batch in ((text,),) if isinstance(text, str) else batched(text, 256):
            data = "".join(batch).encode("utf-8")
            digest.update(data)
            file.write(data)
        file.flush()
    except BaseException:
        file.close()
        raise
    return file, digest.hexdigest()


def _seal(file: BinaryIO, final: Path) -> None:
    """Flush ``file`` (written beside ``final``) to disk, close it, rename it into place."""
    with file:
        os.fsync(file.fileno())
    Path(file.name).replace(final)


def batched(pieces: Iterable[str], size: int) -> Iterator[tuple[str, ...]]:
    """``pieces`` in tuples of ``size`` (the last may be shorter): itertools.batched, 3.12."""
    iterator = iter(pieces)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def check_complete(out_dir: Path, names: list[str], what: str = "outputs") -> None:
    """Refuse a folder whose files ``names`` are not all from one complete write, saying
    which it is: not there, holding none of them (nothing to read), written by a run
    that did not finish (or copied without its manifest), or changed since."""
    if not out_dir.is_dir():
        raise SnapshotError(
            f"{out_dir}: no such folder, so there is nothing to merge; name the folders that hold {what}"
        )
    manifest_path = out_dir / MANIFEST
    present = [name for name in names if (out_dir / name).exists()]
    if not present and not manifest_path.exists():
        raise SnapshotError(
            f"{out_dir}: holds no {' or '.join(names)}, so there is nothing to merge; "
            f"name the folders that hold {what}"
        )
    changed = "its files were changed since it wrote them; run it again"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        listed = manifest["files"] if isinstance(manifest, dict) else None
    except FileNotFoundError:
        raise SnapshotError(
            f"{out_dir}: no {MANIFEST} (the manifest a run writes after its files), so its files are "
            "not known to be a complete set: the run that wrote them did not finish, or the folder was "
            "copied without its hidden files (actions/upload-artifact needs include-hidden-files: true); "
            "run it again"
        ) from None
    except (OSError, ValueError, KeyError):
        listed = None
    if not isinstance(listed, dict):
        raise SnapshotError(f"{manifest_path}: not a readable output manifest; {changed}")
    for name in names:
        path = out_dir / name
        if name not in listed:
            raise SnapshotError(
                f"{path}: not part of the run that last wrote {out_dir}; run that shard again"
            )
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise SnapshotError(
                f"{path}: missing from the run that last wrote {out_dir}; {changed}"
            ) from None
        if digest != listed[name]:
            raise SnapshotError(f"{path}: differs from what its run wrote ({MANIFEST}); {changed}")


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


def previous_outputs(out_dir: Path, command: str) -> str | None:
    """What a write of ``command`` into ``out_dir`` would replace, as a note; None if nothing.

    Raises ``ConfigError`` when it would replace another shard's outputs: shards of one
    run need a folder each, or ``merge`` would see only the last.
    """
    known = [name for name in (*OUTPUT_FILES, MANIFEST) if (out_dir / name).exists()]
    if not known:
        return None
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        earlier = str(manifest["command"]), str(manifest["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"{out_dir} holds outputs of an earlier, incomplete or unknown run; they are replaced"
    if "--shard" in earlier[0] and "--shard" in command and earlier[0] != command:
        raise ConfigError(
            f"--out {out_dir}: holds the outputs of '{earlier[0]}' (run {earlier[1]}); "
            "give each shard its own --out folder, then merge them"
        )
    return f"{out_dir} holds the outputs of an earlier '{earlier[0]}' (run {earlier[1]}); they are replaced"
