"""Leverage: the app's entry point. `streamlit run dashboard.py`.

Draws the shared frame (page config, organization picker, About) and runs the chosen page.
"""

import streamlit as st

from ui import frame

page = st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    # URL paths are the file names: a deep link on a fresh server is resolved against pages/ before
    # st.navigation runs, and any other path shows a false "Page not found".
    st.Page("pages/self_assessment.py", title="Self-assessment", icon=":material/checklist:"),
    st.Page("pages/results.py", title="Results", icon=":material/bar_chart:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/board.py", title="Board", icon=":material/monitoring:"),
    st.Page("pages/aims.py", title="Aims", icon=":material/flag:"),
    st.Page("pages/manage_data.py", title="Manage data", icon=":material/database:"),
    # Live workshops: phones open <base>/join?code=XXXXXX; the console and projector ask for the passphrase.
    st.Page("pages/join.py", title="Join a workshop", icon=":material/qr_code_scanner:"),
    st.Page("pages/workshop.py", title="Workshop console", icon=":material/groups:"),
    st.Page("pages/projector.py", title="Projector", icon=":material/tv:"),
])
frame.draw(bare=page.url_path in frame.BARE_PAGES)  # phones and the projector: no sidebar or chrome
page.run()
