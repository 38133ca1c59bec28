"""Docker cannot run here, so check that docker-compose.yml matches the project instead."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service: str) -> str:
    cmd = COMPOSE["services"][service]["command"]
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def test_services_and_health_checks():
    services = COMPOSE["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name in ["db", "redis", "web", "worker", "beat"]:
        assert "test" in services[name]["healthcheck"], name


def test_app_services_share_one_image_definition_and_env_file():
    services = COMPOSE["services"]
    builds = {repr(services[s]["build"]) for s in ["web", "worker", "beat"]}
    assert builds == {repr(".")}
    for name in ["web", "worker", "beat"]:
        assert services[name]["env_file"] == ".env"
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
    assert (ROOT / "Dockerfile").exists()
    assert (ROOT / ".env.example").exists()


def test_commands_name_real_project_entry_points():
    import sih28.celery
    import sih28.wsgi  # noqa: F401

    assert "gunicorn sih28.wsgi:application" in _command("web")
    assert "manage.py migrate" in _command("web")
    assert _command("worker").startswith("celery -A sih28 worker")
    assert _command("beat").startswith("celery -A sih28 beat")
    assert sih28.celery.app.main == "sih28"


def test_environment_variables_are_ones_the_settings_read():
    settings_text = (ROOT / "sih28" / "settings.py").read_text()
    for service in ["web", "worker", "beat"]:
        for name in COMPOSE["services"][service]["environment"]:
            assert f'"{name}"' in settings_text, name
    example = (ROOT / ".env.example").read_text()
    for line in example.splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert f'"{name}"' in settings_text, f"{name} in .env.example is never read"


def test_optional_sentry_server_is_behind_a_profile_on_loopback():
    """The Sentry-compatible server (Bugsink) starts only with ``--profile sentry``, listens
    on loopback only and never phones home. Its environment is Bugsink's, not SIH28's, so
    the check above (compose variables are read by our settings) does not apply to it."""
    bugsink = COMPOSE["services"]["bugsink"]
    assert bugsink["profiles"] == ["sentry"]
    assert bugsink["image"].startswith("bugsink/bugsink")
    assert all(port.startswith("127.0.0.1:") for port in bugsink["ports"])
    assert bugsink["environment"]["PHONEHOME"] == "false"
    assert "test" in bugsink["healthcheck"]
