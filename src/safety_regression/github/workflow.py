"""Talking to the GitHub Actions runner: workflow commands, step outputs, the job summary.

Everything goes through the files and stdout protocol the runner documents, so it is
plain text and easy to test: commands are lines on stdout (``::error::``, ``::group::``,
``::add-mask::``), outputs and the job summary are appended to the files named by
``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from safety_regression.errors import GitHubError

# GitHub refuses a job summary step larger than 1 MiB.
MAX_SUMMARY_BYTES = 1024 * 1024
# "path:line: message", the shape of every config and suite error that knows its place.
_LOCATED = re.compile(r"^(?P<file>[^\s:][^:\n]*?):(?P<line>\d+): (?P<message>.+)$", re.S)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class Workflow:
    """The runner's side channel for one step."""

    def __init__(self, stdout: TextIO, environ: Mapping[str, str]) -> None:
        self._out = stdout
        self._environ = environ
        self.open_groups = 0

    @property
    def stream(self) -> TextIO:
        """The job log, for plain lines such as progress (no model text goes there)."""
        return self._out

    def command(self, name: str, message: str = "", **properties: str | int | None) -> None:
        props = ",".join(
            f"{key}={_escape_property(str(value))}" for key, value in properties.items() if value
        )
        self._out.write(f"::{name}{' ' + props if props else ''}::{_escape_data(message)}\n")
        self._out.flush()

    def error(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.command("error", message, file=file, line=line)

    def located_error(self, message: str) -> None:
        """An error GitHub pins to the file and line the message starts with, when it names
        them; a message of several lines (several mistakes) is one error per line."""
        for mistake in message.splitlines() or [message]:
            match = _LOCATED.match(mistake)
            if match is None:
                self.error(mistake)
            else:
                self.error(mistake, file=match["file"], line=int(match["line"]))

    def log(self, line: str) -> None:
        """A plain line in the step's log."""
        self._out.write(line.rstrip("\n") + "\n")
        self._out.flush()

    def warning(self, message: str) -> None:
        self.command("warning", message)

    def located_warning(self, message: str) -> None:
        """A warning GitHub pins to the file and line the message starts with, if it names them."""
        match = _LOCATED.match(message)
        if match is None:
            self.warning(message)
        else:
            self.command("warning", message, file=match["file"], line=int(match["line"]))

    def notice(self, message: str) -> None:
        self.command("notice", message)

    def mask(self, secret: str) -> None:
        """Ask the runner to hide a value in every later log line."""
        if secret:
            self.command("add-mask", secret)

    def group(self, title: str) -> None:
        self.command("group", title)
        self.open_groups += 1

    def end_group(self) -> None:
        if self.open_groups:
            self.command("endgroup")
            self.open_groups -= 1

    def close_groups(self) -> None:
        """End every open group, so an error after them is not folded away in the log."""
        while self.open_groups:
            self.end_group()

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append step outputs to ``GITHUB_OUTPUT`` (heredoc form, safe for any text)."""
        path = self._environ.get("GITHUB_OUTPUT")
        if not path:
            return
        try:
            with Path(path).open("a", encoding="utf-8") as file:
                for name, value in outputs.items():
                    delimiter = f"ghadelimiter_{uuid.uuid4()}"
                    file.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        except OSError as exc:
            raise GitHubError(
                f"GITHUB_OUTPUT {path}: cannot write the step outputs: {exc.strerror or exc}"
            ) from None

    def add_summary(self, markdown: str) -> bool:
        """Append to the job summary; False when there is none or the text is too large."""
        path = self._environ.get("GITHUB_STEP_SUMMARY")
        if not path or len(markdown.encode("utf-8")) > MAX_SUMMARY_BYTES:
            return False
        try:
            with Path(path).open("a", encoding="utf-8") as file:
                file.write(markdown if markdown.endswith("\n") else markdown + "\n")
        except OSError as exc:
            raise GitHubError(
                f"GITHUB_STEP_SUMMARY {path}: cannot write the job summary: {exc.strerror or exc}"
            ) from None
        return True
