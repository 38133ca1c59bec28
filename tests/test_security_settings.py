"""Deployment settings: a weak key refuses to start, TLS settings come from the
environment, and ``check --deploy`` is clean for a production-like environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from sih28.security import proxy_ssl_header, secret_key_weakness
from tests.test_settings import KEY, ROOT, _run

PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "timetable.example.edu",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
}


@pytest.mark.parametrize(
    "key", ["x", "short-key-of-twenty-", "a" * 60, "django-insecure-" + "q1w2e3r4t5" * 5]
)
def test_a_weak_secret_key_refuses_to_start(key, tmp_path):
    result = _run(
        {"SECRET_KEY": key, "DEBUG": "0", "LOG_DIR": str(tmp_path)}, "import django; django.setup()"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_a_weak_key_is_allowed_for_development(tmp_path):
    result = _run(
        {"SECRET_KEY": "x", "DEBUG": "1", "LOG_DIR": str(tmp_path)}, "import django; django.setup()"
    )
    assert result.returncode == 0, result.stderr


def test_secret_key_weakness_agrees_with_djangos_deploy_check():
    assert secret_key_weakness(KEY) is None
    assert "49 characters" in (secret_key_weakness("k" * 24 + "0123456789" * 2 + "abcde") or "")


def test_tls_settings_come_from_the_environment(tmp_path):
    result = _run(
        {**PRODUCTION, "LOG_DIR": str(tmp_path)},
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=5) == [
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ]


def test_proxy_ssl_header_forms():
    assert proxy_ssl_header("") is None
    assert proxy_ssl_header("X-Forwarded-Proto,https") == ("HTTP_X_FORWARDED_PROTO", "https")
    with pytest.raises(ImproperlyConfigured, match="HEADER,VALUE"):
        proxy_ssl_header("HTTP_X_FORWARDED_PROTO")


def _check_deploy(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "SECRET_KEY"}
    clean.update({"ENV_FILE": "", "SECRET_KEY": KEY, "LOG_DIR": str(tmp_path), **env})
    clean.update({"DATABASE_URL": "", "REDIS_URL": "", "SENTRY_DSN": ""})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_for_a_production_environment(tmp_path):
    result = _check_deploy(PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_a_plain_http_set_up_lacks(tmp_path):
    result = _check_deploy({"DEBUG": "0"}, tmp_path)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr + result.stdout, check
