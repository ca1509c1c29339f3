"""storymap: one Markdown story, three outputs (Streamlit tour, presentation, HTML page).

The library is organised by pipeline stage, and data flows down it (``tests/test_stages.py``
checks that no module imports a later stage):

- :mod:`app.errors`, :mod:`app.ids`: the one problem type, and identifiers defined once;
- :mod:`app.paths`: the project a story belongs to, the files it may read, story discovery;
- :mod:`app.models`: the format, declared once (pydantic);
- :mod:`app.parse` reads a story file into raw pieces that remember their line numbers;
- :mod:`app.geodata` loads, repairs and simplifies one GeoJSON layer;
- :mod:`app.load` reads every layer a story declares, once;
- :mod:`app.validate` turns the pieces into :class:`app.models.Story` and reports every
  problem at once;
- :mod:`app.mapview` builds the one folium map a story needs, plus the step controller payload;
- :mod:`app.export` writes a self-contained HTML page;
- :mod:`app.tour`, :mod:`app.page` and :mod:`app.streamlit_app`: the Streamlit tour (a thin shell).
"""

__version__ = "0.1.0"
