"""Baseline (the floor): an empty Streamlit page, to measure Streamlit's own boot.

No map, no data, no import of ours: ``st.set_page_config`` and one ``st.write``. Navigation →
this text in the page is the least any Streamlit app takes on this machine, so the tour's first
map is compared with it. Run: ``streamlit run bench/baselines/empty_app.py`` (the benchmark
passes the text to wait for in ``BENCH_EMPTY_TEXT``).
"""

import os

import streamlit as st

st.set_page_config(page_title="Baseline: an empty Streamlit page", layout="wide")
st.write(os.environ.get("BENCH_EMPTY_TEXT", "An empty Streamlit page."))
