"""The deployment files say what the code does: Dockerfile, compose.yaml and docs/deploy.md.

No container runtime is needed: the compose file is parsed and checked against the settings it
feeds, the Dockerfile's install command is checked to install the runtime dependencies only, and
its static-files command is run as written, in a fresh interpreter.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _dockerfile_runs() -> list[str]:
    """The Dockerfile's RUN commands, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    return [line[4:].strip() for line in text.splitlines() if line.startswith("RUN ")]


def _setting_names() -> set[str]:
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', SETTINGS))


def test_the_compose_file_has_web_worker_database_and_object_store() -> None:
    services = _compose()["services"]
    assert {"web", "worker", "db", "s3"} <= set(services)
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    assert services["db"]["image"].startswith("postgres:")
    assert "minio" in services["s3"]["image"]
    assert services["web"]["ports"] == ["8000:8000"]
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["s3-bucket"]["condition"] == "service_completed_successfully"


def test_every_variable_the_compose_file_sets_is_a_setting_the_app_reads() -> None:
    services = _compose()["services"]
    names = _setting_names()
    for name in ("web", "worker", "migrate"):
        env = services[name]["environment"]
        unknown = sorted(set(env) - names)
        assert not unknown, f"{name} sets variables config/settings.py never reads: {unknown}"
        assert (
            env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        )
        assert env["PRIVATE_STORAGE_S3_ENDPOINT_URL"] == "http://s3:9000"
        assert env["CACHE_URL"].startswith("redis://cache:")
    # The web and worker processes share one configuration: the same files, the same database.
    assert services["web"]["environment"] == services["worker"]["environment"]


def test_the_dockerfile_installs_the_runtime_dependencies_only() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim-bookworm" in text
    assert re.search(r"^USER rectify$", text, re.M), "the app must not run as root"
    installs = [run for run in _dockerfile_runs() if "pip install" in run]
    assert len(installs) == 1
    words = shlex.split(installs[0].split("pip install", 1)[1].split("&&")[0])
    assert words == ["."], f"the image must install `.` alone, not {words}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[\[=<>]", d)[0].lower() for d in project["dependencies"]}
    dev = {re.split(r"[\[=<>]", d)[0].lower() for d in project["optional-dependencies"]["dev"]}
    assert not runtime & dev
    assert {"pytest", "playwright", "moto", "ruff"} <= dev
    assert {"gunicorn", "whitenoise", "django-storages", "boto3", "redis"} <= runtime
    # The dependency layer is built from pyproject.toml alone, before the code is copied.
    assert text.index("COPY pyproject.toml") < text.index("pip install") < text.index("COPY . .")


def test_the_dockerfiles_collectstatic_gives_compressed_hashed_names(tmp_path: Path) -> None:
    (command,) = [run for run in _dockerfile_runs() if "collectstatic" in run]
    words = shlex.split(command)
    env_words = [w for w in words[: words.index("python")] if "=" in w]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_SETTINGS_MODULE")
    }
    env |= dict(w.split("=", 1) for w in env_words)
    env["STATIC_ROOT"] = str(tmp_path / "static")
    argv = [sys.executable, *words[words.index("python") + 1 :]]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    css = sorted(p.name for p in (tmp_path / "static" / "css").iterdir())
    hashed = [n for n in css if re.fullmatch(r"app\.[0-9a-f]{12}\.css", n)]
    assert hashed and f"{hashed[0]}.gz" in css
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_the_deployment_guide_shows_a_working_proxy_and_the_worker_unit() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    nginx = re.search(r"```nginx\n(.*?)```", guide, re.S)
    assert nginx
    conf = nginx.group(1)
    # The settings trust X-Forwarded-Proto for HTTPS; the proxy must set it.
    assert "SECURE_PROXY_SSL_HEADER" in SETTINGS and "HTTP_X_FORWARDED_PROTO" in SETTINGS
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "proxy_set_header Host $host;" in conf
    size = re.search(r"client_max_body_size (\d+)m;", conf)
    assert size and int(size.group(1)) >= 50  # EVIDENCE_MAX_MB's default
    assert "alias /srv/rectify/static/;" in conf and "STATIC_ROOT=/srv/rectify/static" in guide
    assert "ExecStart=/srv/rectify/app/.venv/bin/python manage.py run_worker" in guide
    assert "manage.py backup" in guide and "tail -n +15" in guide
    for step in ("manage.py migrate", "collectstatic --no-input", "systemctl restart"):
        assert step in guide
    names = _setting_names()
    for variable in set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", guide, re.M)):
        assert variable in names, f"docs/deploy.md sets {variable}, which the app never reads"
