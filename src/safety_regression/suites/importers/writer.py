"""Writing cases as a suite JSONL file that ``load_suite`` reads back to equal cases."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from safety_regression.errors import SuiteError
from safety_regression.suites.model import Case

# json.dumps leaves these unescaped with ensure_ascii=False, but str.splitlines (which
# the suite loader uses) breaks lines at them.
_LINE_BREAKS_JSON_KEEPS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def case_line(case: Case) -> str:
    """One case as one JSON line, defaults left out, text kept readable (not ASCII-escaped)."""
    fields = case.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    line = json.dumps(fields, ensure_ascii=False)
    for character, escape in _LINE_BREAKS_JSON_KEEPS.items():
        line = line.replace(character, escape)
    return line


def write_suite_jsonl(cases: Sequence[Case], path: Path) -> None:
    """Write ``cases`` to ``path`` atomically: a reader sees the old file or the whole new one."""
    text = "".join(case_line(case) + "\n" for case in cases)
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            temporary = handle.name
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file private (0600); a suite is as readable as any file written.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise SuiteError(f"{path}: cannot write the suite: {exc.strerror or exc}") from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
