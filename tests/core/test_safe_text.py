"""clean_text: host text made printable, on one line, and bounded."""

from __future__ import annotations

import unicodedata

import pytest

from tracker_core.errors import UsageError
from tracker_core.safe_text import clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m label", "red label"),
        ("\x1b[1;38;5;196mbold\x1b[m", "bold"),
        ("before\x1b]8;;https://evil.example\x07link\x1b]8;;\x07after", "beforelinkafter"),
        ("title\x1b]0;pwned\x1b\\ok", "titleok"),
        ("clear\x1b[2J\x1b[Hscreen", "clearscreen"),
        ("charset\x1b(Bswitch", "charsetswitch"),
        ("c1\x9b31mcsi", "c131mcsi"),  # 8-bit CSI: the control goes, the rest is inert
        ("unterminated\x1b]0;title to the end", "unterminated"),
        ("lone escape \x1b", "lone escape"),
    ],
)
def test_terminal_escape_sequences_are_removed(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("bell\x07 and null\x00 and del\x7f", "bell and null and del"),
        ("back\bspace", "backspace"),
        ("c1 \x85next \x9fapc", "c1 next apc"),
        ("line one\nline two\r\nline three", "line one line two line three"),
        ("tabs\tand\x0bvertical\x0cfeed", "tabs and vertical feed"),
        ("para\u2028graph\u2029end", "para graph end"),
        ("  lots   of\u00a0\u00a0space  ", "lots of space"),
    ],
)
def test_control_characters_go_and_whitespace_collapses(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "bidi",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200e",
        "\u200f",
        "\u061c",
    ],
)
def test_bidi_controls_are_removed(bidi):
    assert clean_text(f"invoice{bidi}fdp.exe") == "invoicefdp.exe"


def test_other_invisible_characters_go_but_joiners_stay():
    assert clean_text("zero\u200bwidth\ufeffbom\u2060joiner") == "zerowidthbomjoiner"
    assert clean_text("tag\U000e0041\U000e0042s") == "tags"  # invisible tag characters
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(family) == family
    assert clean_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") == (
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )
    assert clean_text("lone\ud800surrogate") == "lonesurrogate"


def test_html_stays_as_inert_text():
    raw = '<script>alert("x")</script> & <b>bold</b>'
    assert clean_text(raw) == raw


def test_ordinary_text_is_unchanged():
    for text in ["Backend (ENG-123)", "Équipe Données — Q3", "プロジェクト", "a/b_c-d.e"]:
        assert clean_text(text) == text


def test_long_text_is_truncated_with_an_ellipsis():
    assert clean_text("x" * 600) == "x" * 499 + "…"
    assert len(clean_text("y" * 600)) == 500
    assert clean_text("abcdef", max_len=4) == "abc…"
    assert clean_text("abcd", max_len=4) == "abcd"
    assert clean_text("ab   cdef", max_len=4) == "ab…"


def test_any_value_becomes_text():
    assert clean_text(None) == ""
    assert clean_text(42) == "42"
    assert clean_text(b"bytes") == "b'bytes'"


def test_max_len_must_be_positive():
    with pytest.raises(UsageError):
        clean_text("x", max_len=0)


def test_result_is_always_printable_single_line():
    every_bmp_char = "".join(chr(i) for i in range(0x10000))
    cleaned = clean_text(every_bmp_char, max_len=10**6)
    assert "\n" not in cleaned and "\x1b" not in cleaned
    # Kept on purpose: joiners, private-use (icon fonts) and code points this Python's
    # Unicode tables do not know yet (newer emoji); none of them moves the cursor.
    kept = {"Co", "Cn"}
    assert all(
        ch.isprintable() or ch in "\u200c\u200d" or unicodedata.category(ch) in kept
        for ch in cleaned
    )
    categories = {unicodedata.category(ch) for ch in cleaned if ch not in "\u200c\u200d"}
    assert not categories & {"Cc", "Cf", "Cs", "Zl", "Zp"}
    cleaned.encode("utf-8")  # no lone surrogates left
