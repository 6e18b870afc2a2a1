"""An endpoint's settings: ``base``, ``finetuned``, a judge's and the toxicity classifier's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, field_validator, model_validator

from safety_regression.config.base import _Section
from safety_regression.config.secrets import environment_variable_name
from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config


class Price(_Section):
    """Prices per million tokens, in the currency of your bill (say US dollars)."""

    prompt: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Per million prompt (input) tokens."""
    completion: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Per million completion (output) tokens."""

    def cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        return (prompt_tokens * self.prompt + completion_tokens * self.completion) / 1_000_000


class EndpointConfig(_Section):
    """An OpenAI-compatible chat-completions endpoint."""

    url: str
    """Base URL up to and including ``/v1``; the tool appends ``/chat/completions``."""
    model: str = Field(min_length=1)
    """The ``model`` field sent with every request."""
    api_key_env: str | None = None
    """Name of the environment variable that holds the API key. Keys never go in the file."""

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        return None if value is None else environment_variable_name(value)

    concurrency: int = Field(default=16, ge=1, le=1024)
    """Requests in flight at once against this endpoint."""
    timeout: float = Field(default=60.0, gt=0, le=3600)
    """Seconds allowed for one request before it counts as a failed attempt."""
    max_retries: int = Field(default=4, ge=0, le=10)
    """Retries after the first attempt, on timeouts, 429 and 5xx. Always bounded."""
    price: Price | None = None
    """What the provider charges, for dry-run estimates, reported cost and ``run.max_cost``."""
    requests_per_minute: int | None = Field(default=None, ge=1)
    """Client-side cap on requests sent to this endpoint (URL and key) in any 60-second
    window: every attempt counts, retries and the endpoint check's probe included."""
    tokens_per_minute: int | None = Field(default=None, ge=1)
    """Client-side cap on tokens in any 60-second window: each request counts its
    estimated prompt tokens plus ``max_tokens`` when sent, as providers' limits do, and
    what its reply reports it used when that is more."""
    revision: str | None = Field(default=None, min_length=1, max_length=200)
    """What is deployed behind the URL: a model digest, checkpoint id or commit. Part of
    the run's identity, so cached answers of other weights are never reused. Set it when
    you can: a redeployment under the same URL and name is otherwise invisible."""

    @model_validator(mode="before")
    @classmethod
    def _no_inline_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "api_key" in data:
            raise ValueError(
                "api_key is not allowed in the file: name an environment variable in api_key_env"
            )
        return data

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        # The messages never repeat the url: it may carry a password.
        parts = _split(value)
        if not parts.hostname:
            raise ValueError("has no host: write http(s)://HOST[:PORT]/v1, e.g. http://localhost:8000/v1")
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            raise ValueError("has a port that is not a number from 1 to 65535")
        return value.rstrip("/")

    @property
    def has_credentials(self) -> bool:
        """Whether the url carries a user or password (``https://user:pass@host/v1``)."""
        parts = _split(self.url)
        return parts.username is not None or parts.password is not None


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket
        raise ValueError("is not a url: write http(s)://HOST[:PORT]/v1") from None


def check_endpoint_urls(config: Config) -> None:
    """When the file is loaded: an endpoint whose url carries credentials and that names an
    ``api_key_env`` would send two, so it is refused, naming its ``url`` line (never what
    the url holds)."""
    from safety_regression.config.budgets import scorer_endpoints

    endpoints = [("base", config.base), ("finetuned", config.finetuned), *scorer_endpoints(config)]
    problems = [
        f"{config.where_field(f'{role}.url')}: {role}.url: carries credentials (user:password@) and "
        f"{role}.api_key_env names a key too; give one: remove the credentials from the url, or "
        "remove api_key_env"
        for role, endpoint in endpoints
        if endpoint is not None and endpoint.api_key_env is not None and endpoint.has_credentials
    ]
    if problems:
        raise ConfigError("\n".join(problems))
