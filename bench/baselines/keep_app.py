"""Baseline (b): keep the map, pass the step's view and layers to st_folium.

streamlit-folium's documented way to update a map without redrawing it: the base map is the
same on every rerun (so st_folium keeps its component), the step's centre and zoom go in
``center``/``zoom`` and its layers in ``feature_group_to_add``.
Run: ``streamlit run bench/baselines/keep_app.py`` (``BENCH_STORY`` names the story).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import folium
import streamlit as st
from streamlit_folium import st_folium

from bench.baselines import common

st.set_page_config(page_title="Baseline: keep the map, update view and layers", layout="wide")
prepared = st.cache_resource(common.prepare)(str(common.STORY))
count = len(prepared.story.steps)
index = st.session_state.setdefault("step", 0)


def move(delta: int) -> None:
    st.session_state["step"] = max(0, min(count - 1, st.session_state["step"] + delta))


map_col, text_col = st.columns([3, 2], gap="medium")
with map_col:
    fmap = common.base_map(prepared, 0)  # identical on every rerun: st_folium keeps it
    group = folium.FeatureGroup(name="step")
    for layer_id in common.step_layers(prepared, index):
        common.layer(prepared, layer_id, index).add_to(group)
    center, zoom = prepared.views[index]
    st_folium(
        fmap,
        center=list(center),
        zoom=zoom,
        feature_group_to_add=group,
        height=common.MAP_HEIGHT,
        use_container_width=True,
        returned_objects=[],
        key="map",
    )
with text_col:
    previous, following = st.columns(2)
    previous.button("Previous", on_click=move, args=(-1,), disabled=index == 0)
    following.button("Next", on_click=move, args=(1,), disabled=index == count - 1)
    st.markdown(common.step_html(prepared, index), unsafe_allow_html=True)
