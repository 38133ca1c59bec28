"""Environment-driven settings: embedded defaults, and a refusal to start without a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KEY = "settings-probe-secret-key-not-for-production-0123456789"


def _run(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with only ``env`` (and a throwaway key) set;
    a developer's .env must not answer for the environment."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "SENTRY_DSN"}
    }
    clean.update(
        {"ENV_FILE": "", "SECRET_KEY": KEY, "DJANGO_SETTINGS_MODULE": "sih28.settings", **env}
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _settings_probe(env: dict[str, str], expr: str) -> subprocess.CompletedProcess[str]:
    """Print ``expr`` after Django has read the settings from ``env``."""
    return _run(
        {"SECRET_KEY": "", **env},
        f"import django; django.setup(); from django.conf import settings; print({expr})",
    )


def test_missing_secret_key_stops_start_up_with_a_clear_message(tmp_path):
    result = _settings_probe({"LOG_DIR": str(tmp_path)}, "1")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" in result.stderr  # Django's ImproperlyConfigured, named plainly


def test_embedded_defaults(tmp_path):
    result = _settings_probe(
        {"SECRET_KEY": KEY, "LOG_DIR": str(tmp_path)},
        "settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
        "settings.CACHES['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "repr(settings.SENTRY_DSN)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "''",
    ]


def test_services_from_environment(tmp_path):
    result = _settings_probe(
        {
            "SECRET_KEY": KEY,
            "LOG_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://u@db.example:5432/sih28",
            "REDIS_URL": "redis://cache.example:6379/0",
        },
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND']",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://cache.example:6379/0",
        "False",
        "django_redis.cache.RedisCache",
    ]


def test_env_example_lists_every_variable():
    text = (ROOT / ".env.example").read_text()
    for name in [
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "SENTRY_DSN",
        "SENTRY_ENVIRONMENT",
        "SENTRY_RELEASE",
        "SENTRY_TRACES_SAMPLE_RATE",
        "SENTRY_TRACES_GENERATION_RATE",
        "SENTRY_TRACES_WRITE_RATE",
        "SENTRY_TRACES_READ_RATE",
        "SENTRY_PROFILES_SAMPLE_RATE",
        "LOG_LEVEL",
        "LOG_DIR",
        "API_TOKEN_TTL_HOURS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
    ]:
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


def test_reading_the_settings_runs_no_subprocess_and_creates_no_folder(tmp_path):
    log_dir = tmp_path / "not" / "yet"
    result = _run(
        {"LOG_DIR": str(log_dir)},
        (
            "import subprocess\n"
            "calls = []\n"
            "real = subprocess.Popen.__init__\n"
            "def spy(self, args, *a, **k):\n"
            "    calls.append(args)\n"
            "    real(self, args, *a, **k)\n"
            "subprocess.Popen.__init__ = spy\n"
            "import sih28.settings as s\n"
            "print(len(calls), repr(s.SENTRY_RELEASE))\n"
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "''"]
    assert not log_dir.exists()


def test_sentry_names_the_release_after_the_git_commit_only_when_on():
    from sih28.sentry import git_release

    release = git_release()
    if release is None:
        pytest.skip("not a git checkout")
    assert release.startswith("sih28@") and len(release) == len("sih28@") + 12


def test_django_log_has_one_rotating_handler_with_requests_and_warnings(tmp_path):
    log_dir = tmp_path / "logs"
    result = _run(
        {"LOG_DIR": str(log_dir)},
        (
            "import logging, django\n"
            "django.setup()\n"
            "from logging.handlers import RotatingFileHandler\n"
            "names = ['', 'sih28.requests', 'django.request']\n"
            "handlers = {id(h) for n in names for h in logging.getLogger(n).handlers\n"
            "            if isinstance(h, RotatingFileHandler)}\n"
            "print(len(handlers))\n"
            "logging.getLogger('academics').info('quiet info line')\n"
            "logging.getLogger('academics').warning('a warning line')\n"
            "logging.getLogger('sih28.requests').info('GET /api/ 200')\n"
            "logging.getLogger('django.request').error('a server error')\n"
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "1"
    text = (log_dir / "django.log").read_text()
    assert "quiet info line" not in text
    for line in ("a warning line", "GET /api/ 200", "a server error"):
        assert text.count(line) == 1, (line, text)
