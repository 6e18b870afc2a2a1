"""The suite case format: one prompt, the behaviour it expects, and where it came from."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from safety_regression.suites.checks import Check
from safety_regression.suites.languages import language_tag

MIN_SEVERITY, MAX_SEVERITY = 1, 5


class Expect(StrEnum):
    """What a safe, capable model does with the case."""

    REFUSE = "refuse"
    """A harmful request: counted in the category's refusal rate."""
    COMPLY = "comply"
    """A benign request that looks sensitive: counted in the false-refusal rate."""
    ANSWER = "answer"
    """A capability check: scored right or wrong by the case's ``check``."""


class Difficulty(StrEnum):
    DIRECT = "direct"
    SUBTLE = "subtle"
    ADVERSARIAL = "adversarial"


class Message(BaseModel):
    """One chat turn, in the OpenAI chat-completions shape."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _not_blank(value)


class Case(BaseModel):
    """One suite case. Exactly one of ``prompt`` and ``messages`` is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
    """Stable, unique id; results are paired across models and runs by it."""
    category: str = Field(min_length=1)
    """Harm category, or capability family (free-form; built-in ones carry severity weights)."""
    subcategory: str | None = None
    expect: Expect
    prompt: str | None = Field(default=None, min_length=1)
    messages: tuple[Message, ...] | None = Field(default=None, min_length=1)
    """A multi-turn conversation; the model answers after the last turn."""
    system: str | None = None
    severity: int | None = Field(default=None, ge=MIN_SEVERITY, le=MAX_SEVERITY)
    """1 (mild) to 5 (gravest), written as a number: ``"3"`` or ``true`` is refused."""
    difficulty: Difficulty | None = None
    language: str = "en"
    """The prompt's language as a BCP 47 tag (``en``, ``zh``, ``pt-BR``); see ``languages``."""
    tags: tuple[str, ...] = ()
    source_id: str | None = None
    """For an adversarial variant: the id of the case it was derived from."""
    transform: str | None = None
    """For an adversarial variant: the transform that produced it."""
    check: Check | None = None
    """For ``expect: answer``: how the answer is verified."""

    @field_validator("prompt", "system")
    @classmethod
    def _prompt_not_blank(cls, value: str | None) -> str | None:
        # A blank system prompt is refused as a blank prompt is: it would be sent as an
        # empty message (and is refused where the case's messages are built).
        return None if value is None else _not_blank(value)

    @field_validator("category")
    @classmethod
    def _category_as_written(cls, value: str) -> str:
        # "Privacy " would be a category of its own, beside "Privacy", in every report.
        if value != _not_blank(value).strip():
            raise ValueError(f"{value!r} has leading or trailing whitespace; write {value.strip()!r}")
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_is_a_number(cls, value: object) -> object:
        # pydantic would read "3" as 3, and true as 1: a quoted or boolean severity is a
        # slip in the file (a spreadsheet export, say), said out loud rather than guessed.
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        shown = f"the text {value!r}" if isinstance(value, str) else json.dumps(value, default=str)
        digits = isinstance(value, str) and value.strip().isdigit()
        fix = f"; write {str(value).strip()} without quotes" if digits else ""
        raise ValueError(f"is {shown}, not a whole number from {MIN_SEVERITY} to {MAX_SEVERITY}{fix}")

    @field_validator("language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        return language_tag(value)

    @model_validator(mode="after")
    def _one_prompt_form(self) -> Case:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give exactly one of 'prompt' or 'messages'")
        if self.messages is not None and self.messages[-1].role != "user":
            raise ValueError("the last of 'messages' must have role 'user'")
        if (self.expect is Expect.ANSWER) != (self.check is not None):
            raise ValueError("'check' is required with expect: answer, and only then")
        return self

    def chat_messages(self) -> tuple[Message, ...]:
        """The messages sent to a model for this case, system prompt first."""
        turns: list[Message] = []
        if self.system:
            turns.append(Message(role="system", content=self.system))
        if self.messages is not None:
            turns.extend(self.messages)
        else:
            assert self.prompt is not None
            turns.append(Message(role="user", content=self.prompt))
        return tuple(turns)

    def prompt_text(self) -> str:
        """The last user turn: what a reviewer reads as "the prompt"."""
        return self.chat_messages()[-1].content

    @cached_property
    def content_hash(self) -> str:
        """Hash of everything that changes what a model sees or how it is scored.

        A stored result is reused for a case only while this hash is unchanged.
        """
        payload: dict[str, object] = {
            "category": self.category,
            "expect": self.expect.value,
            "messages": [m.model_dump() for m in self.chat_messages()],
        }
        if self.check is not None:
            payload["check"] = self.check.model_dump(mode="json", exclude_none=True)
        return _sha256_json(payload)[:16]


class Shard(BaseModel):
    """One of ``count`` disjoint parts of a suite, for spreading a run over CI runners.

    A case belongs to the shard its id hashes to, so the split is stable: the same case
    lands in the same shard on every runner, whatever the suite's order or version.
    """

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=1)
    """1-based."""
    count: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _index_in_range(self) -> Shard:
        if self.index > self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")
        return self

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> the second of four shards."""
        index, separator, count = text.partition("/")
        if not separator or not index.isdigit() or not count.isdigit():
            raise ValueError(f"{text!r} is not I/N (for example 2/4)")
        try:
            return cls(index=int(index), count=int(count))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"])
            raise ValueError(
                f"{text}: {where + ' ' if where else ''}{problem['msg'].removeprefix('Value error, ')}"
            ) from None

    def holds(self, case_id: str) -> bool:
        bucket = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:12], 16) % self.count
        return bucket == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class Suite(BaseModel):
    """An ordered, validated set of cases with a content hash as its version."""

    model_config = ConfigDict(frozen=True)

    name: str
    cases: tuple[Case, ...]
    warnings: tuple[str, ...] = ()
    """What looks wrong but does not stop the load, ``file:line: field: ...`` each (a
    category that looks misspelt, ``suites.spelling``). Not part of the hash."""

    @cached_property
    def hash(self) -> str:
        """Order-independent hash of all cases' content hashes and ids."""
        return _sha256_json(sorted((c.id, c.content_hash) for c in self.cases))[:16]

    @cached_property
    def by_id(self) -> dict[str, Case]:
        return {case.id: case for case in self.cases}

    def categories(self) -> list[str]:
        return sorted({case.category for case in self.cases})

    def cases_in(self, shard: Shard | None) -> tuple[Case, ...]:
        """The cases of one shard, in suite order; all of them without a shard."""
        return self.cases if shard is None else tuple(case for case in self.cases if shard.holds(case.id))


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("is blank (only whitespace): a model would be asked nothing")
    return text


def _sha256_json(value: object) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
