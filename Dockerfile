# Production image: one stateless replica; state lives in PostgreSQL (MELDWIJZER_DATABASE_URL).
FROM python:3.11-slim-bookworm

RUN useradd --system --create-home --home-dir /srv/meldwijzer meldwijzer
WORKDIR /srv/meldwijzer
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY adapters ./adapters
COPY knowledge ./knowledge
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER meldwijzer
ENV MELDWIJZER_ENV=production \
    MELDWIJZER_HOST=0.0.0.0 \
    MELDWIJZER_DATA_DIR=/srv/meldwijzer/data
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:3978/healthz').status != 200)"
CMD ["meldwijzer", "serve"]
