# syntax=docker/dockerfile:1
#
# Image: whatsapp-hotel-bot
#
#   docker build -t whatsapp-hotel-bot:TAG .
#   docker run -p 8000:8000 --env-file .env whatsapp-hotel-bot:TAG                 # web (default CMD)
#   docker run --env-file .env whatsapp-hotel-bot:TAG hotelbot worker              # background workers
#   docker run --env-file .env whatsapp-hotel-bot:TAG hotelbot migrate             # schema upgrade
#
# One image for every process: the web app (`hotelbot serve`, port 8000, /metrics there), the arq
# workers (`hotelbot worker`, Prometheus metrics on 9100), the migration Job and the backup
# CronJob (`python scripts/backup.py`, which uses the pg_dump of the pgserver wheel).
# Kubernetes manifests: k8s/ (scripts/deploy.sh ENV TAG rolls out [$REGISTRY/]whatsapp-hotel-bot:TAG).
#
# The HEALTHCHECK below probes the web process. For a worker container, override it
# (`--health-cmd "hotelbot worker --check"`); Kubernetes ignores HEALTHCHECK and uses the probes
# in k8s/base/*.yaml.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------- builder: the virtualenv
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install "uv==0.13.9"

WORKDIR /app

# Dependencies first (cached while only our code changes); every dependency installs from a wheel.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# Then the project itself. uv installs it in editable mode: the venv points at /app, where the
# runtime stage puts the same files (cli.py finds alembic.ini, migrations/ and templates/ there).
COPY cli.py embedded.py alembic.ini ./
COPY domain ./domain
COPY web ./web
COPY jobs ./jobs
COPY observability ./observability
COPY sim ./sim
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN uv sync --frozen --no-dev

# ---------------------------------------------------------------- runtime: venv + app files only
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="whatsapp-hotel-bot" \
      org.opencontainers.image.description="WhatsApp concierge for hotels: web app, arq workers, ops scripts"

ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    BACKUP_DIR=/app/backups \
    HOME=/tmp

RUN groupadd --system --gid 10001 hotelbot \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin hotelbot

WORKDIR /app

# The code and the venv stay owned by root (read-only for the app user); only backups/ is writable.
COPY --from=builder /app/.venv /app/.venv
COPY pyproject.toml README.md cli.py embedded.py alembic.ini ./
COPY domain ./domain
COPY web ./web
COPY jobs ./jobs
COPY observability ./observability
COPY sim ./sim
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY scripts ./scripts
COPY docs ./docs
# Bytecode compiled once here: the root filesystem is read-only in Kubernetes.
RUN python -m compileall -q cli.py embedded.py domain web jobs sim migrations scripts \
    && mkdir -p /app/backups && chown 10001:10001 /app/backups

USER 10001:10001

EXPOSE 8000 9100

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

CMD ["hotelbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
