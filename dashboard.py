"""Leverage: the app's script (served by `server.py`, which `scripts/run` starts; AppTest runs it directly).

Draws the shared frame (page config, who is signed in, organization picker, About) and the navigation
built from the person's permissions, then runs the chosen page (which checks access itself).
"""

import streamlit as st

from ui import auth, frame, navigation, state

frame.open_page()
principal = auth.current()
menu = bool(principal.signed_in or principal.roles)
page = st.navigation(navigation.pages(principal, bool(state.settings().facilitator_passphrase)),
                     position="sidebar" if menu else "hidden")
frame.draw(principal, bare=page.url_path in frame.BARE_PAGES,  # phones and the projector: no sidebar or chrome
           language_control=page.url_path != "projector")
page.run()
