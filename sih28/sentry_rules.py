"""Alerts and ownership as code: the rules SIH28's Sentry project should have, and their
idempotent application through Sentry's REST API (``manage.py sentry_rules --apply``).

- Issue alert: a new high-priority issue in production notifies its owners.
- Metric alert: the p95 duration of API requests above 5 s for 15 minutes.
- Ownership: issues route by the ``error.type`` tag (``sih28.sentry_errors``): database
  errors to the backend team, API errors to the API team, authentication errors to the
  security team, optimizer errors to the timetabling team.

Applying lists what exists, compares the fields managed here and creates or updates only
what differs; a second run changes nothing. Rules are matched by name.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from sih28.sentry_errors import ERROR_TYPE_TAG

#: Teams (slugs in the Sentry organization) that own each kind of error.
OWNERS = {
    "database": "backend",
    "api": "api",
    "authentication": "security",
    "optimizer": "timetabling",
}
SLOW_P95_MS = 5000
SLOW_WINDOW_MIN = 15


@dataclasses.dataclass(frozen=True)
class Rules:
    issue_alerts: list[dict[str, Any]]
    metric_alerts: list[dict[str, Any]]
    ownership: dict[str, Any]


def desired_rules(*, project: str, environment: str = "production") -> Rules:
    issue_alert = {
        "name": "SIH28: new high-priority issue",
        "environment": environment,
        "actionMatch": "any",
        "filterMatch": "all",
        "frequency": 30,
        "conditions": [
            {"id": "sentry.rules.conditions.high_priority_issue.NewHighPriorityIssueCondition"}
        ],
        "filters": [
            {"id": "sentry.rules.filters.level.LevelFilter", "match": "gte", "level": "40"}
        ],
        "actions": [
            {
                "id": "sentry.mail.actions.NotifyEmailAction",
                "targetType": "IssueOwners",
                "fallthroughType": "ActiveMembers",
            }
        ],
    }
    metric_alert = {
        "name": f"SIH28: API request p95 above {SLOW_P95_MS // 1000} s",
        "environment": environment,
        "projects": [project],
        "dataset": "transactions",
        "queryType": 1,
        "eventTypes": ["transaction"],
        "query": "transaction.op:http.server",
        "aggregate": "p95(transaction.duration)",
        "timeWindow": SLOW_WINDOW_MIN,
        "thresholdType": 0,
        "resolveThreshold": None,
        "triggers": [{"label": "critical", "alertThreshold": SLOW_P95_MS, "actions": []}],
    }
    raw = "\n".join(f"tags.{ERROR_TYPE_TAG}:{kind} #{team}" for kind, team in OWNERS.items())
    ownership = {"raw": raw, "fallthrough": True}
    return Rules(issue_alerts=[issue_alert], metric_alerts=[metric_alert], ownership=ownership)


def describe(rules: Rules) -> str:
    return json.dumps(dataclasses.asdict(rules), indent=2)


# --- comparing -----------------------------------------------------------------------------


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value).strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def matches(want: Any, have: Any) -> bool:
    """``have`` (what Sentry answers) holds everything in ``want``: dicts as subsets
    (Sentry adds ids, names, dates), lists item by item, numbers ignoring ``5000.0``."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(matches(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(matches(w, h) for w, h in zip(want, have, strict=True))
        )
    if isinstance(want, str) and isinstance(have, int | float):
        return want == str(have)
    return bool(_normal(want) == _normal(have))


# --- the REST API ---------------------------------------------------------------------------


class SentryApiError(Exception):
    pass


@dataclasses.dataclass
class SentryApi:
    base_url: str
    token: str
    org: str
    project: str
    timeout_s: float = 20.0

    def call(self, method: str, path: str, body: Any = None) -> tuple[Any, str]:
        """JSON body and the ``Link`` header of ``/api/0/<path>``."""
        url = path if "://" in path else f"{self.base_url.rstrip('/')}/api/0/{path.lstrip('/')}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310
                text = resp.read()
                return (json.loads(text) if text else None), resp.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            raise SentryApiError(f"{method} {url}: HTTP {exc.code} {detail}") from exc
        except OSError as exc:
            raise SentryApiError(f"{method} {url}: {exc}") from exc

    def list_all(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list (Sentry's ``Link: <...>; rel="next";
        results="true"`` cursors)."""
        url: str | None = path
        while url:
            page, link = self.call("GET", url)
            yield from page or []
            url = None
            for part in link.split(","):
                if 'rel="next"' in part and 'results="true"' in part:
                    url = part.split(";")[0].strip().strip("<>")


@dataclasses.dataclass(frozen=True)
class Change:
    kind: str  # issue alert, metric alert, ownership
    name: str
    action: str  # created, updated, unchanged


def rules_apply(api: SentryApi, rules: Rules) -> list[Change]:
    """Create or update the rules that differ; returns what happened to each."""
    changes: list[Change] = []
    issue_path = f"projects/{api.org}/{api.project}/rules/"
    metric_path = f"organizations/{api.org}/alert-rules/"
    for kind, path, wanted in [
        ("issue alert", issue_path, rules.issue_alerts),
        ("metric alert", metric_path, rules.metric_alerts),
    ]:
        existing = {r.get("name"): r for r in api.list_all(path)}
        for rule in wanted:
            have = existing.get(rule["name"])
            if have is None:
                api.call("POST", path, rule)
                changes.append(Change(kind, rule["name"], "created"))
            elif not matches(rule, have):
                api.call("PUT", f"{path}{have['id']}/", rule)
                changes.append(Change(kind, rule["name"], "updated"))
            else:
                changes.append(Change(kind, rule["name"], "unchanged"))
    ownership_path = f"projects/{api.org}/{api.project}/ownership/"
    have, _ = api.call("GET", ownership_path)
    if matches(rules.ownership, have or {}):
        changes.append(Change("ownership", "ownership rules", "unchanged"))
    else:
        api.call("PUT", ownership_path, rules.ownership)
        changes.append(Change("ownership", "ownership rules", "updated"))
    return changes
