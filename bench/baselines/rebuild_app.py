"""Baseline (a): rebuild a folium.Map for every step and hand it to st_folium.

The usual first attempt: every Previous/Next click reruns the script, which builds a new
map (basemap + the step's layers at the step's view) and renders it with st_folium.
``returned_objects=[]`` keeps the map from sending its state back (no extra reruns).
Run: ``streamlit run bench/baselines/rebuild_app.py`` (``BENCH_STORY`` names the story).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import streamlit as st
from streamlit_folium import st_folium

from bench.baselines import common

st.set_page_config(page_title="Baseline: rebuild the map per step", layout="wide")
prepared = st.cache_resource(common.prepare)(str(common.STORY))
count = len(prepared.story.steps)
index = st.session_state.setdefault("step", 0)


def move(delta: int) -> None:
    st.session_state["step"] = max(0, min(count - 1, st.session_state["step"] + delta))


map_col, text_col = st.columns([3, 2], gap="medium")
with map_col:
    fmap = common.base_map(prepared, index)
    for layer_id in common.step_layers(prepared, index):
        common.layer(prepared, layer_id, index).add_to(fmap)
    st_folium(fmap, height=common.MAP_HEIGHT, use_container_width=True, returned_objects=[], key="map")
with text_col:
    previous, following = st.columns(2)
    previous.button("Previous", on_click=move, args=(-1,), disabled=index == 0)
    following.button("Next", on_click=move, args=(1,), disabled=index == count - 1)
    st.markdown(common.step_html(prepared, index), unsafe_allow_html=True)
