# Rectify as a container image: the web app (gunicorn) by default, the worker with
# `python manage.py run_worker`. Settings come from the environment (README, docs/deploy.md).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app

# Runtime dependencies only (pyproject's [project] dependencies; the suite's tools are in the
# `dev` extra and stay out). Every one ships a wheel, so no compiler is needed.
COPY pyproject.toml ./
RUN python -m venv /opt/venv && pip install .

COPY . .
# Static files with compressed, hashed names (WhiteNoise), made once here; the settings need
# a secret to import, and this one exists only during the build.
RUN DEBUG=false SECRET_KEY=collectstatic-only-build-key python manage.py collectstatic --no-input -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin rectify \
    && mkdir -p /app/var/private \
    && chown -R rectify:rectify /app/var
USER rectify

ENV DEBUG=false
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", \
     "--access-logfile", "-"]
