"""The forms a secret can take in text a model or server writes back.

A model asked to (or tricked into) repeating its key may write it encoded: the judge
itself reads "here it is in base64" as a real answer. ``forms`` lists what to scrub for
one secret: the value itself, its base64 (standard and URL-safe) at each of the three
alignments it can have inside a longer base64 text, and its hex in either case.

``scrub`` replaces each form, and also a form a model wrote with its letters in another
case or broken by spaces, newlines or zero-width characters ("sk-ab cd…", "SK-ABCD…"):
most of a key is still most of a key. So is a prefix of ``PREFIX_MIN_CHARS`` or more, and
the key percent-encoded (fully or in part), as HTML character references, as JSON
``\\u`` escapes, or as hex with its bytes written apart (``de:ad``, ``DE-AD``). A key
reversed, in rot13 or in base32 is not looked for.

``inert`` makes text a server wrote safe for a one-line message (after ``scrub``).

A key can also be pasted where a name belongs (a YAML key, a category, a variable's
name): ``looks_like_key`` spots its shape, and ``shown_name`` keeps it out of the message.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterable, Sequence

MIN_SECRET_CHARS = 8
"""Shorter values are not scrubbed: replacing a toy key like ``abc`` would garble text."""
_MIN_FORM_CHARS = 8

# Keys whose shape is also a variable name's: Hugging Face, GitHub, Groq, Slack, OpenAI-style,
# NVIDIA; Google's and AWS's have no separator after the prefix.
_KEY_PREFIXES = re.compile(
    r"(?:hf|gh[oprsu]|github_pat|gsk|xox[abpr]|sk|pk|rk|nvapi)[_-]|AIza", re.IGNORECASE
)
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{32,}")


def looks_like_key(name: str) -> bool:
    """Whether a would-be variable name looks like a key pasted in its place: a known key
    prefix with a long tail, or a long run of mixed-case letters and digits (variable names
    are words: ``OPENAI_API_KEY``, ``hf_token``)."""
    if _AWS_KEY_ID.fullmatch(name) or _HEX_KEY.fullmatch(name):
        return True
    prefix = _KEY_PREFIXES.match(name)
    tail = name[prefix.end() :] if prefix else ""
    if len(tail) >= 16 and any(c.isdigit() for c in tail) and any(c.islower() for c in tail):
        return True
    longest = max((len(part) for part in re.split(r"[_.-]", name)), default=0)
    mixed = (
        any(c.islower() for c in name) and any(c.isupper() for c in name) and any(c.isdigit() for c in name)
    )
    return longest >= 20 and mixed


def shown_name(name: object) -> str:
    """``repr(name)`` for a message, unless it looks like a key pasted where a name (a YAML
    key, a category) was expected: then a placeholder, so the key is not repeated."""
    if isinstance(name, str) and looks_like_key(name):
        return "(a name shaped like an API key, not repeated here)"
    return repr(name)


def forms(secret: str) -> list[str]:
    """``secret`` and its encodings, longest first, with no duplicates."""
    raw = secret.encode("utf-8")
    found = {secret, raw.hex(), raw.hex().upper()}
    for offset in range(3):
        # Inside a longer base64 text the secret starts at one of three byte offsets of a
        # 3-byte group; the characters that encode only its own bytes are the same
        # whatever comes before or after it.
        padded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        start = -(-offset * 4 // 3)  # characters touched by the padding bytes
        whole = (offset + len(raw)) // 3 * 4  # characters of complete groups
        cores = [padded[start:whole] if (offset + len(raw)) % 3 else padded[start:]]
        if offset == 0:
            cores.append(padded)  # the secret encoded on its own, to its last character
        for core in cores:
            for text in (core, core.replace("+", "-").replace("/", "_")):
                if len(text) >= _MIN_FORM_CHARS:
                    found.add(text)
    return sorted(found, key=lambda text: (-len(text), text))


def all_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret long enough to scrub, longest first."""
    found = {form for secret in secrets if len(secret) >= MIN_SECRET_CHARS for form in forms(secret)}
    return sorted(found, key=lambda text: (-len(text), text))


LOOSE_MIN_CHARS = 16
"""Shorter forms are scrubbed only as written: read loosely, a short value ("changeme",
"not-needed") matches ordinary words; an API key is longer than this."""

# Characters that show nothing: format characters (soft hyphen, zero-width and bidi
# marks, word joiners, tags), variation selectors and fillers. Dropped before a text is
# searched for a key, so a key cut by them is still found.
_INVISIBLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
_INVISIBLE_RUN = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _INVISIBLE) + "]+")


PREFIX_MIN_CHARS = 12
"""A form's prefix this long or longer is scrubbed too (a key cut short is most of a
key); shorter ones are too common in ordinary text to scrub."""

# The escapes a key can be written in: percent-encoding (all of it or only some
# characters), HTML character references (decimal or hex, the ``;`` optional) and JSON's
# ``\\uXXXX``. Decoded before a text is searched, so an encoded key is found as written.
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})|&#[xX]([0-9A-Fa-f]{1,6});?|&#([0-9]{1,7});?|\\u([0-9A-Fa-f]{4})")
# Hex bytes written apart (``de:ad:be``, ``DE-AD-BE``): searched with the separators dropped.
_HEX_APART = re.compile(r"[0-9A-Fa-f]{2}\s*[:-]\s*[0-9A-Fa-f]{2}\s*[:-]\s*[0-9A-Fa-f]{2}")
_HEX_FORM = re.compile(r"[0-9a-f]+")


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every form in ``secrets`` (``all_forms``), and every prefix of one of
    ``PREFIX_MIN_CHARS`` or more, replaced by ``***``: as written; percent-encoded (fully
    or in part), as HTML character references or JSON ``\\u`` escapes; and (forms of
    ``LOOSE_MIN_CHARS`` or more) in any case, in full-width or other compatibility
    characters, across whitespace or invisible characters, and a hex form with its bytes
    written apart by ``:`` or ``-``."""
    spans = _spans(text, secrets)
    for begin, end in sorted(_merged(spans), reverse=True):
        text = text[:begin] + "***" + text[end:]
    return text


def holds_secret(text: str, secrets: Sequence[str]) -> bool:
    """Whether ``scrub`` would change ``text``."""
    return bool(_spans(text, secrets))


def inert(text: str, limit: int | None = None) -> str:
    """Text a server or a model wrote, made safe to put in a one-line message: control
    characters and terminal escape sequences, bidi overrides and invisible characters
    removed, every run of whitespace (newlines included) one space, and at most
    ``limit`` characters (the last an ellipsis when cut). Scrub it first: cut after."""
    flat = " ".join(_CONTROL.sub("", _INVISIBLE_RUN.sub("", _ANSI.sub("", text))).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: max(limit - 1, 0)].rstrip() + "…"
    return flat


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # a terminal's escape sequence, whole
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _head(form: str) -> str:
    """What a search for ``form`` looks for first: its prefix of ``PREFIX_MIN_CHARS``."""
    return form[:PREFIX_MIN_CHARS] if len(form) > PREFIX_MIN_CHARS else form


def _spans(text: str, secrets: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``text`` holds a form of ``secrets`` or a long enough prefix of one, as
    ``(begin, end)`` in ``text``, in every view (``scrub``) it is searched in."""
    spans: list[tuple[int, int]] = []
    if not secrets:
        return spans
    _find(text, None, secrets, spans)
    # ``in`` before each regular expression: a plain scan is many times faster.
    escapes = "%" in text or "&#" in text or "\\u" in text
    decoded = _decoded(text) if escapes and _ESCAPE.search(text) else None
    if decoded is not None:
        _find(*decoded, secrets, spans)
    loose = [secret.lower() for secret in secrets if len(secret) >= LOOSE_MIN_CHARS]
    if not loose:
        return spans
    # A quick look first, on plain strings: most texts hold no key read loosely either,
    # and need not be folded character by character.
    squeezed = _squeezed(decoded[0] if decoded is not None else text)
    spaced = (":" in text or "-" in text) and _HEX_APART.search(text) is not None
    in_hex = [form for form in loose if _HEX_FORM.fullmatch(form)] if spaced else []
    bare = squeezed.replace(":", "").replace("-", "") if in_hex else ""
    hex_apart = any(_head(form) in bare for form in in_hex)
    if not hex_apart and not any(_head(form) in squeezed for form in loose):
        return spans
    chars, origin = decoded if decoded is not None else (text, (range(len(text)), range(1, len(text) + 1)))
    folded, where = _folded(chars, origin)
    _find(folded, where, loose, spans)
    if hex_apart:
        kept = [index for index, char in enumerate(folded) if char not in ":-"]
        joined = "".join(folded[index] for index in kept)
        apart = ([where[0][index] for index in kept], [where[1][index] for index in kept])
        _find(joined, apart, in_hex, spans)
    return spans


_Origin = tuple[Sequence[int], Sequence[int]]
"""Where each character of a view of a text came from: the start and the end, in the
text, of what it was read from (one character, or a whole escape)."""


def _find(view: str, origin: _Origin | None, forms: Iterable[str], spans: list[tuple[int, int]]) -> None:
    """Add to ``spans`` each place ``view`` holds a form, or its prefix of
    ``PREFIX_MIN_CHARS`` or more, mapped back to the text through ``origin`` (None:
    ``view`` is the text)."""
    for form in forms:
        head = _head(form)
        start = view.find(head)
        while start != -1:
            end = start + len(head)
            while end - start < len(form) and end < len(view) and view[end] == form[end - start]:
                end += 1
            spans.append((start, end) if origin is None else (origin[0][start], origin[1][end - 1]))
            start = view.find(head, end)


def _decoded(text: str) -> tuple[str, _Origin]:
    """``text`` with its escapes (``_ESCAPE``) decoded, and where each character came from."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for match in _ESCAPE.finditer(text):
        chars.extend(text[done : match.start()])
        starts.extend(range(done, match.start()))
        ends.extend(range(done + 1, match.start() + 1))
        percent, hex_ref, decimal_ref, json_escape = match.groups()
        number = int(decimal_ref) if decimal_ref else int(percent or hex_ref or json_escape, 16)
        if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            chars.extend(match.group(0))  # no character: left as written
            starts.extend(range(match.start(), match.end()))
            ends.extend(range(match.start() + 1, match.end() + 1))
        else:
            chars.append(chr(number))
            starts.append(match.start())
            ends.append(match.end())
        done = match.end()
    chars.extend(text[done:])
    starts.extend(range(done, len(text)))
    ends.extend(range(done + 1, len(text) + 1))
    return "".join(chars), (starts, ends)


def _squeezed(text: str) -> str:
    """The text as a key is searched in it: visible characters only, compatibility forms
    folded (NFKC: full-width "s" U+FF53 is "s"), lower case, no whitespace."""
    if not text.isascii():
        # A regular expression, not str.translate: six times faster on CJK text.
        text = unicodedata.normalize("NFKC", _INVISIBLE_RUN.sub("", text))
    return "".join(text.lower().split())


def _folded(chars: str, origin: _Origin) -> tuple[str, _Origin]:
    """``chars`` as a key is searched in it loosely (``_squeezed``), keeping where each
    folded character came from. Character by character: it runs only on a text that may
    hold a key, so its cost does not matter."""
    folded: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(chars):
        if char.isspace() or _INVISIBLE_RUN.match(char):
            continue
        for piece in (char if char.isascii() else unicodedata.normalize("NFKC", char)).lower():
            folded.append(piece)
            starts.append(origin[0][index])
            ends.append(origin[1][index])
    return "".join(folded), (starts, ends)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def masked_forms(secret: str) -> list[str]:
    """What to ask a CI log to mask for ``secret``, longest first: its ``forms``, each
    spelling ``scrub`` reads (hex written apart by ``:`` or ``-``, percent-encoded, HTML
    character references, JSON ``\\u`` escapes; in either case of hex) and every prefix of
    ``PREFIX_MIN_CHARS`` or more. A log masks only what it was given, as written: a key
    percent-encoded in part is not masked (``scrub`` finds it in what this tool writes)."""
    if len(secret) < MIN_SECRET_CHARS:
        return [secret] if secret else []
    raw = secret.encode("utf-8")
    found = set(forms(secret))
    for digits in ("{:02x}", "{:02X}"):
        pairs = [digits.format(byte) for byte in raw]
        found.update(separator.join(pairs) for separator in (":", "-", " "))
        found.add("".join("%" + pair for pair in pairs))
        found.add("".join("&#x" + pair + ";" for pair in pairs))
        found.add("".join("\\u00" + pair for pair in pairs))
    found.add("".join(f"&#{byte};" for byte in raw))
    found.update(secret[:length] for length in range(PREFIX_MIN_CHARS, len(secret)))
    return sorted(found, key=lambda text: (-len(text), text))
