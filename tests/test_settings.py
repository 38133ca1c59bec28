"""Environment-driven settings: embedded defaults, and a refusal to start without a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _settings_probe(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "SENTRY_DSN"}}
    clean["ENV_FILE"] = ""  # a developer's .env must not answer for the environment
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c",
         f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='sih28.settings'; "
         f"django.setup(); from django.conf import settings; print({expr})"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )


def test_missing_secret_key_stops_start_up_with_a_clear_message(tmp_path):
    result = _settings_probe({"LOG_DIR": str(tmp_path)}, "1")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" in result.stderr  # Django's ImproperlyConfigured, named plainly


def test_embedded_defaults(tmp_path):
    result = _settings_probe(
        {"SECRET_KEY": "k", "LOG_DIR": str(tmp_path)},
        "settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.CACHES['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "repr(settings.SENTRY_DSN)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False", "django.db.backends.sqlite3", "django.core.cache.backends.locmem.LocMemCache",
        "True", "''",
    ]


def test_services_from_environment(tmp_path):
    result = _settings_probe(
        {"SECRET_KEY": "k", "LOG_DIR": str(tmp_path),
         "DATABASE_URL": "postgres://u@db.example:5432/sih28",
         "REDIS_URL": "redis://cache.example:6379/0"},
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql", "redis://cache.example:6379/0", "False",
        "django_redis.cache.RedisCache",
    ]


def test_env_example_lists_every_variable():
    text = (ROOT / ".env.example").read_text()
    for name in ["SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
                 "SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE",
                 "SENTRY_TRACES_SAMPLE_RATE", "SENTRY_PROFILES_SAMPLE_RATE", "LOG_LEVEL",
                 "LOG_DIR"]:
        assert f"\n{name}=" in "\n" + text, name


@pytest.mark.django_db
def test_healthz_reports_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_names_the_failing_part(client, monkeypatch):
    from sih28 import health

    def broken():
        raise ConnectionError("down")

    monkeypatch.setattr(health, "_check_cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
