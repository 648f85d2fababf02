"""Settings come from the environment and fail loudly on bad values."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mentorcircle.settings import env_bool, env_int, env_list

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Variables that would change the outcome; the test suite itself sets DJANGO_ALLOW_ASYNC_UNSAFE.
OUR_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_HOST",
    "CACHE_BACKEND",
    "CACHE_URL",
    "REDIS_URL",
    "TRUSTED_PROXY_COUNT",
    "CONN_MAX_AGE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    environment.update(
        DJANGO_SETTINGS_MODULE="mentorcircle.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run(["-c", "import mentorcircle.settings"], tmp_path, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    result = run(["-c", "import mentorcircle.settings"], tmp_path, DEBUG="false", SECRET_KEY="too-short")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_an_smtp_server(tmp_path):
    """Without one, sign-in codes and invitations would be printed to the server's console."""
    result = run(
        ["-c", "import mentorcircle.settings"],
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64)[:50],
    )

    assert result.returncode != 0
    assert "EMAIL_HOST must be set" in result.stderr


def test_production_sends_email_through_the_smtp_server(tmp_path):
    result = run(
        ["-c", "from mentorcircle import settings; print(settings.EMAIL_BACKEND)"],
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64)[:50],
        EMAIL_HOST="smtp.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"


def test_the_cache_is_the_database_unless_redis_is_chosen(tmp_path):
    show = [
        "-c",
        "from mentorcircle.settings import CACHES; c = CACHES['default']; print(c['BACKEND'], c['LOCATION'])",
    ]

    default = run(show, tmp_path)
    redis = run(
        show, tmp_path, CACHE_BACKEND="redis", CACHE_URL="redis://cache-a:6379/1, redis://cache-b:6379/1"
    )
    redis_default = run(show, tmp_path, CACHE_BACKEND="redis", REDIS_URL="redis://queue:6379/0")

    assert default.stdout.strip() == "django.core.cache.backends.db.DatabaseCache mentorcircle_cache"
    assert redis.stdout.strip() == (
        "django.core.cache.backends.redis.RedisCache ['redis://cache-a:6379/1', 'redis://cache-b:6379/1']"
    )
    assert (
        redis_default.stdout.strip() == "django.core.cache.backends.redis.RedisCache ['redis://queue:6379/0']"
    )


def test_database_connections_are_kept_for_a_minute_unless_configured(tmp_path):
    show = [
        "-c",
        "from mentorcircle.settings import DATABASES; d = DATABASES['default'];"
        " print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])",
    ]

    default = run(show, tmp_path)
    per_request = run(show, tmp_path, CONN_MAX_AGE="0")
    garbled = run(show, tmp_path, CONN_MAX_AGE="forever")

    assert default.stdout.strip() == "60 True"
    assert per_request.stdout.strip() == "0 True"
    assert garbled.returncode != 0
    assert "CONN_MAX_AGE must be a whole number, not 'forever'" in garbled.stderr


def test_an_unknown_cache_backend_stops_the_start(tmp_path):
    result = run(["-c", "import mentorcircle.settings"], tmp_path, CACHE_BACKEND="memcached")

    assert result.returncode != 0
    assert "CACHE_BACKEND must be database or redis, not 'memcached'" in result.stderr


def test_a_negative_proxy_count_stops_the_start(tmp_path):
    result = run(["-c", "import mentorcircle.settings"], tmp_path, TRUSTED_PROXY_COUNT="-1")

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more" in result.stderr


def test_a_garbled_debug_value_stops_the_start_with_its_name(tmp_path):
    result = run(["-c", "import mentorcircle.settings"], tmp_path, DEBUG="ture")

    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'ture'" in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64)[:50],
        ALLOWED_HOSTS="example.com",
        SITE_URL="https://example.com",
        EMAIL_HOST="smtp.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), (" TRUE ", True), ("on", True), ("no", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("MC_FLAG", raw)

    assert env_bool("MC_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("MC_FLAG", raising=False)

    assert env_bool("MC_FLAG", True) is True
    assert env_bool("MC_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "tru"])
def test_env_bool_rejects_garbage(monkeypatch, raw):
    monkeypatch.setenv("MC_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="MC_FLAG must be true or false"):
        env_bool("MC_FLAG", False)


def test_env_int_rejects_garbage_and_reads_numbers(monkeypatch):
    monkeypatch.setenv("MC_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="MC_NUMBER must be a whole number"):
        env_int("MC_NUMBER", 1)

    monkeypatch.setenv("MC_NUMBER", "12")
    assert env_int("MC_NUMBER", 1) == 12


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("MC_HOSTS", " example.com, ,www.example.com ")

    assert env_list("MC_HOSTS", []) == ["example.com", "www.example.com"]
