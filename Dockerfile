# The Streamlit tour of every story in stories/, as a container.
#   docker build -t storymap .
#   docker run --rm -p 8501:8501 storymap        # http://localhost:8501/?story=russia-iran
# Settings are the ones `storymap serve` always uses (app/serve.py); Streamlit reads more from
# STREAMLIT_* environment variables, e.g. -e STREAMLIT_SERVER_BASE_URL_PATH=maps (README, Deploy).
# tests/test_deploy.py runs this CMD and this HEALTHCHECK as written.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/storymap

# The pinned dependencies first: this layer changes only when requirements.txt does.
COPY requirements.txt requirements-dev.txt ./
RUN pip install -r requirements.txt

# Then storymap itself (package data: templates, static files, the offline basemap).
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-deps . && rm -rf app build

# The stories and the GeoJSON they name (../geodata/*.geojson), readable by the server only.
COPY stories ./stories
COPY geodata ./geodata

RUN useradd --create-home --uid 10001 storymap
USER storymap

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; base = os.environ.get('STREAMLIT_SERVER_BASE_URL_PATH', '').strip('/'); url = 'http://127.0.0.1:8501/' + (base + '/' if base else '') + '_stcore/health'; sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
CMD ["storymap", "serve", "stories", "--address", "0.0.0.0", "--port", "8501", "--no-open"]
