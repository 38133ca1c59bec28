"""``manage.py sentry_rules``: the alert and ownership rules as code, applied through a
REAL HTTP server started here that answers like Sentry's REST API (issue alert rules,
metric alert rules, ownership), records every request and keeps what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sih28.sentry_errors import ERROR_TYPES
from sih28.sentry_rules import OWNERS, desired_rules, matches

TOKEN = "sntrys-test-token-abc"
ORG, PROJECT = "college", "sih28"


class FakeSentry:
    """Issue alerts and ownership of one project, metric alerts of one organization.
    Lists are paginated (one rule per page) with Sentry's ``Link`` cursor header."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.issue_rules: list[dict[str, Any]] = []
        self.metric_rules: list[dict[str, Any]] = []
        self.ownership: dict[str, Any] = {"raw": "", "fallthrough": True, "isActive": True}
        self.next_id = 100
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any, link: str = "") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if link:
                    self.send_header("Link", link)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                path, _, query = self.path.partition("?")
                fake.requests.append((self.command, path))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"detail": "Invalid token"})
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                issue = f"/api/0/projects/{ORG}/{PROJECT}/rules/"
                metric = f"/api/0/organizations/{ORG}/alert-rules/"
                owner = f"/api/0/projects/{ORG}/{PROJECT}/ownership/"
                for base, store in [(issue, fake.issue_rules), (metric, fake.metric_rules)]:
                    if path == base and self.command == "GET":
                        page = int(query.split("cursor=")[1]) if "cursor=" in query else 0
                        more = page + 1 < len(store)
                        base_url = f"http://127.0.0.1:{fake.port}{base}"
                        link = (
                            f'<{base_url}?cursor={page + 1}>; rel="next"; '
                            f'results="{"true" if more else "false"}"; cursor="{page + 1}"'
                        )
                        return self._answer(200, store[page : page + 1], link)
                    if path == base and self.command == "POST":
                        fake.next_id += 1
                        rule = fake.stored(body, fake.next_id)
                        store.append(rule)
                        return self._answer(201, rule)
                    if path.startswith(base) and self.command == "PUT":
                        rule_id = path[len(base) :].strip("/")
                        for i, rule in enumerate(store):
                            if rule["id"] == rule_id:
                                store[i] = fake.stored(body, int(rule_id))
                                return self._answer(200, store[i])
                        return self._answer(404, {"detail": "not found"})
                if path == owner and self.command == "GET":
                    return self._answer(200, fake.ownership)
                if path == owner and self.command == "PUT":
                    fake.ownership = {**fake.ownership, **body}
                    return self._answer(200, fake.ownership)
                return self._answer(404, {"detail": "not found"})

            do_GET = do_POST = do_PUT = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def stored(body: dict[str, Any], rule_id: int) -> dict[str, Any]:
        """As Sentry answers: ids, names on conditions, float thresholds, a date."""
        rule = json.loads(json.dumps(body))
        rule["id"] = str(rule_id)
        rule["dateCreated"] = "2026-12-03T10:00:00Z"
        for key in ("conditions", "filters", "actions"):
            for item in rule.get(key, []):
                item["name"] = "described by Sentry"
        for trigger in rule.get("triggers", []):
            trigger["id"] = str(rule_id * 10)
            trigger["alertThreshold"] = float(trigger["alertThreshold"])
        return rule

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


@pytest.fixture
def fake_sentry(settings) -> Iterator[FakeSentry]:
    fake = FakeSentry()
    settings.SENTRY_API_URL = fake.url
    settings.SENTRY_ORG = ORG
    settings.SENTRY_PROJECT = PROJECT
    settings.SENTRY_AUTH_TOKEN = TOKEN
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sentry_rules", *args, stdout=out)
    return out.getvalue()


def test_prints_the_rules_without_touching_sentry(fake_sentry):
    out = json.loads(_run())
    assert fake_sentry.requests == []
    [issue] = out["issue_alerts"]
    assert issue["environment"] == "production"
    assert "HighPriority" in issue["conditions"][0]["id"]
    [metric] = out["metric_alerts"]
    assert metric["aggregate"] == "p95(transaction.duration)"
    assert metric["timeWindow"] == 15
    assert metric["triggers"][0]["alertThreshold"] == 5000
    assert metric["projects"] == [PROJECT]
    raw = out["ownership"]["raw"]
    assert "tags.error.type:database #backend" in raw
    assert "tags.error.type:api #api" in raw
    assert "tags.error.type:authentication #security" in raw
    assert "tags.error.type:optimizer #" in raw
    # every kind the ownership rules route is a value the before_send hook sets
    assert set(OWNERS) <= set(ERROR_TYPES)


def test_apply_creates_then_changes_nothing(fake_sentry):
    first = _run("--apply")
    assert "3 created or updated, 0 unchanged" in first
    assert sorted(fake_sentry.writes()) == [
        ("POST", f"/api/0/organizations/{ORG}/alert-rules/"),
        ("POST", f"/api/0/projects/{ORG}/{PROJECT}/rules/"),
        ("PUT", f"/api/0/projects/{ORG}/{PROJECT}/ownership/"),
    ]
    assert "tags.error.type:optimizer" in fake_sentry.ownership["raw"]
    fake_sentry.requests.clear()
    second = _run("--apply")
    assert "0 created or updated, 3 unchanged" in second
    assert fake_sentry.writes() == []


def test_apply_updates_only_what_differs_and_keeps_other_rules(fake_sentry):
    fake_sentry.issue_rules.append({"id": "7", "name": "someone else's rule", "conditions": []})
    _run("--apply")
    fake_sentry.metric_rules[0]["triggers"][0]["alertThreshold"] = 9000.0  # edited in the UI
    rule_id = fake_sentry.metric_rules[0]["id"]
    fake_sentry.requests.clear()
    out = _run("--apply")
    assert "1 created or updated, 2 unchanged" in out
    assert fake_sentry.writes() == [("PUT", f"/api/0/organizations/{ORG}/alert-rules/{rule_id}/")]
    assert fake_sentry.metric_rules[0]["triggers"][0]["alertThreshold"] == 5000
    assert [r["name"] for r in fake_sentry.issue_rules][0] == "someone else's rule"
    assert len(fake_sentry.issue_rules) == 2  # found on the second page, not created twice


def test_apply_needs_the_configuration_and_reports_api_errors(fake_sentry, settings):
    settings.SENTRY_AUTH_TOKEN = ""
    with pytest.raises(CommandError, match="SENTRY_AUTH_TOKEN"):
        _run("--apply")
    settings.SENTRY_AUTH_TOKEN = "wrong-token"
    with pytest.raises(CommandError, match="HTTP 401"):
        _run("--apply")


def test_matches_ignores_what_sentry_adds():
    want = desired_rules(project=PROJECT).metric_alerts[0]
    have = FakeSentry.stored(want, 5)
    assert matches(want, have)
    have["timeWindow"] = 60
    assert not matches(want, have)
