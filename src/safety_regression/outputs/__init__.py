"""Writing a gate run's files as one set, and checking output paths before a run starts.

Every file is rendered first, then written beside its final name, flushed to disk and
renamed into place. The set is sealed by a manifest, ``.safety-run.json``, written last:
it names the run and the SHA-256 of each of its files. The previous manifest is removed
before the first file is replaced, so a folder whose manifest is missing or disagrees
with its files is known to be incomplete (``check_complete`` says so), never taken as
whole. Leftover ``.partial`` files of an interrupted write are removed by the next one.
A command that will replace a folder's outputs withdraws them before it starts
(``withdraw_outputs``), so a run that stops before writing leaves no set that passes for
its own. The file names and the checks of output paths are in ``outputs.paths``.
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
from safety_regression.outputs.paths import (
    FINETUNED_SNAPSHOT,
    JUNIT_XML,
    MANIFEST,
    OUTPUT_FILES,
    PARTIAL,
    REFERENCE_SNAPSHOT,
    REPORT_FILES,
    REPORT_JSON,
    REPORT_MD,
    RESULTS_JSONL,
    check_file_target,
    check_not_inputs,
    check_out_dir,
    check_spares_inputs,
    config_inputs,
)

if TYPE_CHECKING:
    # The gate and the renderers (scipy, numpy) load only when a report is written, so the
    # path checks below cost nothing before the first request.
    from safety_regression.config import ReportConfig
    from safety_regression.gate import GateResult
    from safety_regression.snapshot import Snapshot

__all__ = [
    "FINETUNED_SNAPSHOT",
    "JUNIT_XML",
    "MANIFEST",
    "OUTPUT_FILES",
    "PARTIAL",
    "REFERENCE_SNAPSHOT",
    "REPORT_FILES",
    "REPORT_JSON",
    "REPORT_MD",
    "RESULTS_JSONL",
    "WITHDRAWN_BY",
    "FileText",
    "batched",
    "check_complete",
    "check_file_target",
    "check_not_inputs",
    "check_not_withdrawn",
    "check_out_dir",
    "check_spares_inputs",
    "config_inputs",
    "previous_outputs",
    "withdraw_outputs",
    "write_all",
    "write_outputs",
    "write_set",
]


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
        withdrawn = manifest.get(WITHDRAWN_BY) if isinstance(manifest, dict) else None
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
    if withdrawn is not None:
        raise SnapshotError(
            f"{out_dir}: its outputs ('{manifest.get('command')}', run {manifest.get('run_id')}) were "
            f"withdrawn when a later '{withdrawn}' started writing there, and that run did not finish; "
            "run it again"
        )
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


def previous_outputs(out_dir: Path, command: str) -> str | None:
    """What a write of ``command`` into ``out_dir`` would replace, as a note; None if nothing.

    Raises ``ConfigError`` when it would replace another shard's outputs: shards of one
    run need a folder each, or ``merge`` would see only the last.
    """
    known = [name for name in (*OUTPUT_FILES, MANIFEST) if (out_dir / name).exists()]
    if not known:
        return None
    replaced = "they are replaced, and withdrawn until this run has written its own"
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        earlier: tuple[str, str] | None = str(manifest["command"]), str(manifest["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        manifest, earlier = None, None
    whose = f"'{earlier[0]}' (run {earlier[1]})" if earlier else "an earlier, incomplete or unknown run"
    if earlier and "--shard" in earlier[0] and "--shard" in command and earlier[0] != command:
        raise ConfigError(
            f"--out {out_dir}: holds the outputs of {whose}; give each shard its own --out folder, "
            "then merge them"
        )
    reports = [name for name in REPORT_FILES if (out_dir / name).exists()]
    if "--shard" in command and reports:
        # A shard writes only snapshots: the earlier run's reports would stay beside them,
        # looking current (found in review: a PASS report.json and junit.xml next to the
        # snapshots of a shard of the regressed model).
        raise ConfigError(
            f"--out {out_dir}: holds reports of {whose} ({', '.join(reports)}), which a shard, "
            "writing only snapshots, would leave beside its own; give each shard its own --out "
            "folder, then merge them"
        )
    if manifest is None or earlier is None:
        return f"{out_dir} holds outputs of an earlier, incomplete or unknown run; {replaced}"
    if manifest.get(WITHDRAWN_BY) is not None:
        return (
            f"{out_dir} holds the outputs of an earlier '{earlier[0]}' (run {earlier[1]}), withdrawn "
            f"by a later '{manifest[WITHDRAWN_BY]}' that did not finish; they are replaced"
        )
    return f"{out_dir} holds the outputs of an earlier '{earlier[0]}' (run {earlier[1]}); {replaced}"


def check_not_withdrawn(path: Path) -> None:
    """Refuse a snapshot file that is one of the withdrawn outputs of its folder: the run
    that replaces them started and did not finish, so they are no longer its folder's
    current results (found in review: ``compare`` of such a snapshot gated the earlier
    answers of a redeployed model as current, PASS where the new one FAILed). A snapshot
    outside an output folder (a committed baseline) has no manifest and is not checked."""
    try:
        manifest = json.loads((path.parent / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict) or manifest.get(WITHDRAWN_BY) is None:
        return
    files = manifest.get("files")
    if isinstance(files, dict) and path.name in files:
        raise SnapshotError(
            f"{path}: one of the outputs ('{manifest.get('command')}', run {manifest.get('run_id')}) "
            f"withdrawn when a later '{manifest[WITHDRAWN_BY]}' started writing into {path.parent}, "
            "and that run did not finish; run it again"
        )


WITHDRAWN_BY = "withdrawn_by"
"""The manifest key a run sets (to its command) before it starts: the folder's earlier
outputs are no longer a complete set that ``merge`` may read."""


def withdraw_outputs(out_dir: Path, command: str) -> None:
    """Mark the outputs already in ``out_dir`` as withdrawn, before ``command`` starts.

    The run that replaces them may stop before it writes its own (a budget, a deadline,
    Ctrl-C, a crash): the earlier set must not then pass for this run's. Found in review:
    a shard rerun against a redeployed model stopped at its budget, the old shard stayed
    sealed, and ``merge`` gated the old answers (PASS where the new model FAILed). The
    files stay (a sequential run's look history is read from its snapshots); the manifest
    keeps what it listed, so ``previous_outputs`` still names the run, and ``merge``
    refuses the folder until a run completes there. Written durably, so a kill right
    after it cannot leave the old set sealed."""
    path = out_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict):
        path.unlink(missing_ok=True)
        return
    if manifest.get(WITHDRAWN_BY) is None:
        manifest[WITHDRAWN_BY] = command
        try:
            _write_durably(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        except OSError as exc:
            reason = exc.strerror or exc
            raise ConfigError(f"{out_dir}: cannot withdraw the earlier outputs: {reason}") from None
