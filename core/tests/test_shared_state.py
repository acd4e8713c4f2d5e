"""Several app servers behind one address: what one process keeps, every other must see.

Sign-ins are rows in the database, the cache is Redis when CACHE_URL names one (each process's
own memory otherwise), private files are on local disk or shared object storage by setting, and
static files carry compressed, hashed names. Each setting is read in a fresh interpreter, as a
process manager would start the app; the Redis cache is exercised by two separate processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.tests.test_settings import production_env, settings_under

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_by_default_sessions_are_in_the_database_and_files_on_local_disk() -> None:
    values = settings_under(production_env(), "SESSION_ENGINE", "CACHES", "STORAGES")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert values["STORAGES"]["private"]["BACKEND"] == "core.files.PrivateFileSystemStorage"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_a_redis_cache_url_selects_djangos_redis_cache() -> None:
    values = settings_under(production_env(CACHE_URL="redis://cache.internal:6379/2"), "CACHES")
    assert values["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/2",
        "KEY_PREFIX": "rectify",
        "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
    }


def test_a_cache_url_that_is_not_redis_stops_the_start() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=production_env(CACHE_URL="memcached://127.0.0.1:11211"),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "CACHE_URL must be a redis://" in done.stderr


def test_object_storage_settings_select_the_s3_backend() -> None:
    env = production_env(
        PRIVATE_STORAGE_S3_BUCKET="rectify-files",
        PRIVATE_STORAGE_S3_ENDPOINT_URL="https://minio.internal:9000",
        PRIVATE_STORAGE_S3_ACCESS_KEY_ID="key",
        PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY="secret",
        PRIVATE_STORAGE_S3_REGION="cn-east-1",
        PRIVATE_STORAGE_S3_PREFIX="/college/",
        PRIVATE_STORAGE_PRESIGNED_SECONDS="45",
    )
    private = settings_under(env, "STORAGES")["STORAGES"]["private"]
    assert private["BACKEND"] == "storages.backends.s3.S3Storage"
    options = private["OPTIONS"]
    assert options["bucket_name"] == "rectify-files"
    assert options["endpoint_url"] == "https://minio.internal:9000"
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["region_name"] == "cn-east-1" and options["location"] == "college"
    # Private objects: no public ACL, and the only URLs are signed ones that expire soon.
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == 45


_CACHE_CODE = """
import sys, django
django.setup()
from django.core.cache import cache
key, value = sys.argv[1], sys.argv[2]
if value:
    cache.set(key, value, 60)
else:
    print(cache.get(key))
    cache.delete(key)
"""


def test_one_process_reads_what_another_put_in_the_redis_cache() -> None:
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    env = production_env(CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    key, value = "shared-entry", f"整改-{uuid.uuid4().hex}"
    for args in ((key, value), (key, "")):
        done = subprocess.run(
            [sys.executable, "-c", _CACHE_CODE, *args],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == value
