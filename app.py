"""sk-tracker dashboard: `streamlit run app.py` (or `sk-tracker dashboard`).

The entry point only sets up navigation, the signed-in session and the shared
sidebar; each page lives in pages/.
"""

import streamlit as st

from tracker_dashboard import FAVICON, entry, login_screen, sidebar, tab_session
from tracker_dashboard.widgets import guard

# A local file, inlined as a data URL: a ":material/...:" page icon is fetched from a
# font host, and the dashboard makes no request outside the machine.
st.set_page_config(page_title="sk-tracker", page_icon=str(FAVICON), layout="wide")

page = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/resources.py", title="Resources", icon=":material/inventory_2:"),
        st.Page("pages/repositories.py", title="Repositories", icon=":material/folder_code:"),
        st.Page("pages/bind.py", title="Bind", icon=":material/link:"),
        st.Page("pages/activity.py", title="Activity", icon=":material/history:"),
        st.Page("pages/trends.py", title="Trends", icon=":material/monitoring:"),
        st.Page("pages/changes.py", title="Changes", icon=":material/difference:"),
    ],
    # Before sign-in (when the deployment requires it) not even the page list shows.
    position="hidden" if login_screen.signed_out() else "sidebar",
)

entry.resume_requested_page()
session = tab_session.current()
sidebar.render(session)
with guard(), entry.page_frame():
    page.run()
