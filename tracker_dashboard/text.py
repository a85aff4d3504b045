"""Putting untrusted text into Streamlit elements that render Markdown.

``st.error``, ``st.caption``, ``st.info`` and friends interpret their body as
Markdown: a host label such as ``[login](https://evil.example)`` would become a
link and ``![x](…)`` an image. Such text goes through ``md_text``, which cleans it
to one printable line and backslash-escapes every ASCII punctuation character, so
it renders literally. Tables (``st.dataframe``), ``st.text`` and ``st.code`` show
text as text and need none of this.
"""

from __future__ import annotations

import re
import string

import pandas as pd

from tracker_core.safe_text import clean_text

_PUNCT_RE = re.compile("([" + re.escape(string.punctuation) + "])")


def md_text(value: object, *, max_len: int = 500) -> str:
    """``value`` as Markdown that renders as exactly its (cleaned) text."""
    return _PUNCT_RE.sub(r"\\\1", clean_text(value, max_len=max_len))


def error_line(exc: BaseException) -> str:
    """An error's one-line message, safe for ``st.error``."""
    return md_text(str(exc) or type(exc).__name__)


def or_dash(value: object) -> str:
    """A table cell as plain text, "—" when it is empty or missing (for ``st.text``)."""
    if value is None or value is pd.NA or value != value or value == "":  # NaN != NaN
        return "—"
    return str(value)
