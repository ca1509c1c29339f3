"""Streamlit shell: the guided tour, presentation and embed modes over the library.

Run with ``streamlit run app/streamlit_app.py`` (see the README's Quick start). The page itself
is :mod:`app.page`, imported once per server process rather than compiled at each page view.
"""

import sys
from pathlib import Path

if __package__ in (None, ""):  # `streamlit run app/streamlit_app.py` runs this as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.page import run

run()
