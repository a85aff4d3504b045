"""Streamlit glue for the dashboard (``app.py`` and ``pages/``): the signed-in
session, cached host reads, the shared sidebar and small widget helpers.

All binding logic lives in ``tracker_core``; this package only decides what is
cached, what is shown and which controls a role may use.
"""

from pathlib import Path

FAVICON = Path(__file__).with_name("favicon.svg")
