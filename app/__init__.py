"""storymap: one Markdown story, three outputs (Streamlit tour, presentation, HTML page).

The library is organised by pipeline stage:

- :mod:`app.parse` reads a story file into raw pieces that remember their line numbers;
- :mod:`app.validate` turns those pieces into :class:`app.models.Story` and reports every
  problem at once (:mod:`app.errors`);
- :mod:`app.geodata` loads, repairs and simplifies GeoJSON layers;
- :mod:`app.mapview` builds the one folium map a story needs, plus the step controller payload;
- :mod:`app.export` writes a self-contained HTML page;
- :mod:`app.streamlit_app` is the thin Streamlit shell.
"""

__version__ = "0.1.0"
