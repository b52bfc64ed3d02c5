"""The app's pages: thin views that read through auditor/ and db/ and render.

Not named `pages/`: Streamlit treats a `pages/` folder beside the entry script as the old
automatic multipage app, and a fresh server then answers the first deep link
(`/cohorts?family=...`) with the bare page script instead of `app.py`'s navigation.
"""
