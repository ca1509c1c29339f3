"""Baseline Streamlit apps the tour is compared with (plain streamlit-folium patterns)."""
