# PlayGenie's image: the HTTP API (web page at /, OpenAI-compatible /v1/chat/completions, /metrics) on
# CPU-only torch; the same image runs the Telegram and Slack bots (compose.yaml).
#
#   docker build -t playgenie .
#   docker run -p 8080:8080 -v playgenie-home:/data playgenie      # then open http://localhost:8080
#
# The first start builds the catalog, embeddings, index and models into the /data volume (minutes;
# the progress shows in `docker logs`); later starts reopen them. /readyz is the health check.
# The set-up is the Makefile's own `make setup` (what CI runs), with torch's CPU-only wheel.

FROM python:3.11-slim AS build
# gcc and the Python headers: scikit-surprise compiles its extension from source.
RUN apt-get update && apt-get install -y --no-install-recommends make build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md Makefile ./
COPY agent ./agent
COPY bots ./bots
COPY evals ./evals
COPY memory ./memory
COPY tools ./tools
RUN make setup VENV=/opt/venv TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PLAYGENIE_HOME=/data \
    PLAYGENIE_DATA=/data/spotify_songs.csv \
    HF_HUB_OFFLINE=1 \
    TQDM_MININTERVAL=10
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
VOLUME /data
EXPOSE 8080
# Long start period: the first start builds everything (the VAE alone trains for up to 14 minutes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40m --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4).status != 200)"
CMD ["sh", "-c", "playgenie build && exec playgenie serve --host 0.0.0.0 --port 8080"]
