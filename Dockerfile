# Production image: one replica, running as an unprivileged user on a read-only root filesystem.
# State lives in PostgreSQL (MELDWIJZER_DATABASE_URL) or, for a single replica, in SQLite in
# the data volume; nothing else in the container is written to.
#
#   docker build -t meldwijzer .
#   docker run --read-only --tmpfs /tmp:rw,noexec,nosuid,size=64m \
#       --cap-drop ALL --security-opt no-new-privileges \
#       -v meldwijzer-data:/srv/meldwijzer/data \
#       -e MELDWIJZER_SECRET=... -e MELDWIJZER_PUBLIC_URL=https://... \
#       -p 3978:3978 meldwijzer
#
# The tmpfs is for Python's temporary files (TMPDIR) and anything that writes below HOME.
# SQLite's temporary files go to the data volume instead (SQLITE_TMPDIR): the daily rewrite
# in key order (bot/compaction.py) writes a temporary copy as large as the database, which
# a small tmpfs cannot hold. The data volume holds the SQLite database and, without
# MELDWIJZER_SECRET, the generated development secret. A new named volume takes the folder's owner and mode 0700
# from the image; a bind-mounted folder must belong to uid 10001.
FROM python:3.11-slim-bookworm

# A fixed uid/gid, so a bind-mounted data folder can be given to it; no login shell.
RUN groupadd --system --gid 10001 meldwijzer \
    && useradd --system --uid 10001 --gid meldwijzer --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin meldwijzer

WORKDIR /build
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY adapters ./adapters
COPY knowledge ./knowledge
# pip compiles the bytecode while installing, as root; at run time nothing is left to write.
RUN pip install --no-cache-dir --disable-pip-version-check . \
    && rm -rf /build /root/.cache \
    && install -d -o meldwijzer -g meldwijzer -m 0700 /srv/meldwijzer/data

WORKDIR /srv/meldwijzer
ENV MELDWIJZER_ENV=production \
    MELDWIJZER_HOST=0.0.0.0 \
    MELDWIJZER_DATA_DIR=/srv/meldwijzer/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    TMPDIR=/tmp \
    SQLITE_TMPDIR=/srv/meldwijzer/data \
    MALLOC_ARENA_MAX=2
VOLUME ["/srv/meldwijzer/data"]
USER meldwijzer:meldwijzer
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3978/healthz', timeout=2).status != 200)"]
CMD ["meldwijzer", "serve"]
