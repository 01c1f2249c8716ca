# syntax=docker/dockerfile:1
# Build: docker build -t course-site .
# Migrations are a separate step (compose service `migrate`, Kubernetes Job `course-migrate`),
# never part of starting the web container.

FROM python:3.11-slim AS build

# Bytecode is written here, at build time: the running container's filesystem is read-only.
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# Fingerprinted, compressed files, served by WhiteNoise with immutable caching.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput --verbosity 0


FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    VAR_DIR=/tmp/var \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

COPY --from=build /opt/venv /opt/venv
# Owned by root and read-only to the app user: only /tmp is written at run time.
COPY --from=build /app /app
WORKDIR /app

USER 10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["gunicorn", "-c", "config/gunicorn.py"]
