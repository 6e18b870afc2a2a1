"""API keys: the name of the variable that holds one (checked at load), and the key itself.

A key never goes in the config, and never into a message: a value of ``api_key_env``
that is not a variable name may be the key itself, pasted by mistake, so it is refused
without being repeated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from safety_regression.config.base import field_path
from safety_regression.errors import ConfigError
from safety_regression.redaction import looks_like_key

if TYPE_CHECKING:
    from safety_regression.config import EndpointConfig

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
Where = Callable[..., str]
"""``Config.where``: ``file:line`` of a field, given its path."""


def environment_variable_name(value: str) -> str:
    """``value`` when it is an environment variable's name; else a ValueError that does not
    repeat it (it may be a key)."""
    if _NAME.fullmatch(value) and not looks_like_key(value):
        return value
    braced = value[2:-1] if value.startswith("${") and value.endswith("}") else None
    bare = braced if braced is not None else value[1:] if value.startswith("$") else None
    if bare is not None and _NAME.fullmatch(bare) and not looks_like_key(bare):
        raise ValueError(f"drop the $: write the variable's name alone (api_key_env: {bare})")
    if len(value) >= 12 and not any(char.isspace() for char in value):
        raise ValueError(
            "is not an environment variable name (it looks like a key: put the key in an "
            "environment variable and name that variable here)"
        )
    if looks_like_key(value):
        raise ValueError(
            "is not an environment variable name (it looks like a key: put the key in an "
            "environment variable and name that variable here)"
        )
    raise ValueError("is not an environment variable name (letters, digits and _, not starting with a digit)")


def api_key(
    endpoint: EndpointConfig, role: str, environ: Mapping[str, str], where: Where | None = None
) -> str | None:
    """The endpoint's API key from the environment, or a ConfigError naming the variable
    (and, with ``where``, a config's ``Config.where``, the file and line that names it)."""
    name = endpoint.api_key_env
    if name is None:
        return None
    value = environ.get(name)
    field = f"{where(*field_path(role), 'api_key_env')}: " if where is not None else ""
    if value is None:
        raise ConfigError(
            f"{field}{role}.api_key_env: environment variable {name} is not set; "
            "export it or remove api_key_env"
        )
    if not value.strip():
        raise ConfigError(
            f"{field}{role}.api_key_env: environment variable {name} is empty; put the key in it "
            "(in CI: is the secret defined for this workflow?)"
        )
    return value


def check_api_keys(
    endpoints: Iterable[tuple[str, EndpointConfig | None]],
    environ: Mapping[str, str],
    where: Where | None = None,
) -> None:
    """Every named endpoint's key is in ``environ``; else one ConfigError, a line per problem."""
    problems = []
    for role, endpoint in endpoints:
        if endpoint is None:
            continue
        try:
            api_key(endpoint, role, environ, where)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(dict.fromkeys(problems)))
