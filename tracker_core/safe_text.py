"""Make untrusted host text safe to print on one line.

Labels, reasons and error messages come from the host and may carry terminal escape
sequences, control characters or bidi overrides that rewrite what a user sees (a
label that moves the cursor or reverses the text around it). ``clean_text`` turns
any value into printable single-line text. It does not escape HTML: markup stays as
inert characters, and escaping for a given output is the renderer's job.
"""

from __future__ import annotations

import re
import unicodedata

from tracker_core.errors import UsageError

ELLIPSIS = "…"

# ESC-introduced sequences (ECMA-48): CSI "ESC [ params final", OSC/DCS/SOS/PM/APC
# strings up to BEL or ST, and two-character escapes. Lone 8-bit C1 controls are not
# parsed as sequence starts (in real text they are mostly mis-decoded punctuation):
# they are dropped as control characters, leaving the rest as inert text.
_ANSI_RE = re.compile(
    r"""
    \x1b\[[0-?]*[\x20-/]*[@-~]         # CSI ... final byte
    | \x1b[\]PX^_].*?(?:\x07|\x1b\\|$)  # OSC, DCS, SOS, PM, APC up to BEL or ST (or the end)
    | \x1b[\x20-/]*[0-~]              # other escapes (ESC ( B, ESC 7, ESC c)
    """,
    re.VERBOSE | re.DOTALL,
)

# Invisible format characters that are legitimate inside words and kept:
# zero-width non-joiner (Persian, Indic scripts) and zero-width joiner (emoji).
_KEPT_FORMAT = frozenset("\u200c\u200d")

# Categories dropped: controls, format characters (bidi embeddings, overrides and
# isolates, zero-width spaces, tag characters) and lone surrogates, which cannot
# even be encoded for output.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _clean_char(ch: str) -> str:
    if ch.isspace():
        return " "
    if ch in _KEPT_FORMAT:
        return ch
    if unicodedata.category(ch) in _DROPPED_CATEGORIES:
        return ""
    return ch


# The same rule as a translation table for ASCII text, the common case.
_ASCII_TABLE = {i: _clean_char(chr(i)) for i in range(0x80) if _clean_char(chr(i)) != chr(i)}


DEFAULT_MAX_LEN = 500


def clean_text(value: object, *, max_len: int = DEFAULT_MAX_LEN) -> str:
    """``value`` as printable single-line text of at most ``max_len`` characters.

    Escape sequences and control/format characters are removed, any run of
    whitespace (newlines and tabs included) becomes one space, and text longer
    than ``max_len`` ends in ``…``. ``None`` becomes the empty string.
    """
    if max_len < 1:
        raise UsageError(f"max_len must be at least 1, got {max_len}")
    text = "" if value is None else str(value)
    text = _ANSI_RE.sub("", text)
    if text.isascii():
        text = text.translate(_ASCII_TABLE)
    else:
        text = "".join(_clean_char(ch) for ch in text)
    text = " ".join(text.split())
    if len(text) > max_len:
        text = text[: max_len - 1].rstrip() + ELLIPSIS
    return text


# What makes a claim or name "hidden": controls, format characters (zero-width, bidi,
# tags), surrogates, private-use and unassigned code points, and any whitespace but a
# plain space. Such text can look like other text, so it is matched by nothing.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _is_hidden(ch: str) -> bool:
    return (ch.isspace() and ch != " ") or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a character that does not show as itself."""
    if text.isascii():
        return any(ch < " " or ch == "\x7f" for ch in text)
    return any(_is_hidden(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape_hidden(value: object, *, max_len: int = 500) -> str:
    """``value`` on one line with every hidden character written as a visible escape
    (``bo\\u200bss``), and backslashes doubled so an escape cannot be faked."""
    text = "" if value is None else str(value)
    shown = "".join("\\\\" if ch == "\\" else _escape(ch) if _is_hidden(ch) else ch for ch in text)
    return clean_text(shown, max_len=max_len)
