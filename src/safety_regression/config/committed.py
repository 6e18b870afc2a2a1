"""A gate config as another commit has it: only where its committed baseline is.

The baseline guard reads the config at a pull request's base commit to learn where the
base's baseline lived. That config may not validate against this version (it is older, and
the gate reads none of its other fields), so only ``baseline:`` is read: a string, as
written in the file (relative to the file's folder unless absolute).
"""

from __future__ import annotations

from safety_regression.errors import ConfigError
from safety_regression.yamlsource import YamlSyntaxError, load_yaml


def baseline_named(data: bytes, source: str) -> str | None:
    """The ``baseline:`` of the gate config ``data`` (None: the config names none); a
    ``ConfigError`` naming ``source`` when it is no YAML mapping or the field no path."""
    try:
        parsed, where = load_yaml(data.decode("utf-8"), source)
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text") from None
    except YamlSyntaxError as exc:
        raise ConfigError(str(exc)) from None
    if parsed is None:
        return None
    if not isinstance(parsed, dict):
        raise ConfigError(f"{source}:1: a gate config is a YAML mapping")
    value = parsed.get("baseline")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where.where(('baseline',))}: baseline: is not a path")
    return value.strip()
