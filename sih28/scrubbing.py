"""Scrubbing of Sentry events: nothing personal or secret leaves the process.

``scrub_event`` cleans request bodies, query strings, headers, breadcrumbs, messages, extra
data, contexts, span data and the local variables of stack frames, for errors and
transactions alike; ``SECRET_DENYLIST`` / ``PII_DENYLIST`` extend the SDK's own
``EventScrubber``. ``sih28.sentry`` installs both.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

FILTERED = "[Filtered]"

#: Secrets: always scrubbed (exact key names, case-insensitive; used by ``EventScrubber``).
SECRET_DENYLIST = [
    "password",
    "password1",
    "password2",
    "new_password",
    "old_password",
    "passwd",
    "pwd",
    "token",
    "access_token",
    "refresh_token",
    "auth_token",
    "key",
    "secret",
    "secret_key",
    "client_secret",
    "authorization",
    "http_authorization",
    "proxy_authorization",
    "cookie",
    "cookies",
    "http_cookie",
    "api_key",
    "apikey",
    "x-api-key",
    "x_api_key",
    "session",
    "sessionid",
    "session_id",
    "session_key",
    "csrf",
    "csrftoken",
    "csrfmiddlewaretoken",
    "x-csrftoken",
    "http_x_csrftoken",
    "dsn",
    "sentry_dsn",
    "database_url",
    "redis_url",
    "private_key",
    "credentials",
]
#: Personal fields of students, faculty and users: scrubbed because ``send_default_pii`` is off.
PII_DENYLIST = [
    "email",
    "email_address",
    "username",
    "user_name",
    "phone",
    "phone_number",
    "mobile",
    "mobile_number",
    "contact",
    "first_name",
    "last_name",
    "full_name",
    "middle_name",
    "name",
    "student_name",
    "faculty_name",
    "father_name",
    "mother_name",
    "guardian",
    "guardian_name",
    "roll_number",
    "roll_no",
    "rollno",
    "enrollment_number",
    "registration_number",
    "dob",
    "date_of_birth",
    "address",
    "aadhaar",
    "ip",
    "ip_address",
]

# Our own matcher is broader than the SDK's exact-key lists: a key is sensitive when it is
# listed above or contains one of these fragments (``HTTP_X_AUTH_TOKEN``, ``user_email`` ...).
_SENSITIVE_FRAGMENTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "api-key",
    "csrf",
    "xsrf",
    "sessionid",
    "session_id",
    "session_key",
    "dsn",
    "email",
    "phone",
    "mobile",
    "first_name",
    "last_name",
    "full_name",
    "firstname",
    "lastname",
    "fullname",
    "roll_n",
    "rollno",
    "private_key",
    "credential",
    "date_of_birth",
    "guardian",
)
_SENSITIVE_KEYS = frozenset(k.lower() for k in SECRET_DENYLIST + PII_DENYLIST)

_VALUE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization schemes followed by a credential: "Token abc...", "Bearer abc...".
    (
        re.compile(r"(?i)\b(token|bearer|basic|digest)(\s+)[A-Za-z0-9._~+/=\-]{6,}"),
        r"\1\2" + FILTERED,
    ),
    # key=value / key: value / "key": "value" for secret-looking keys.
    (
        re.compile(
            r"(?i)(\b[\w\-]*(?:password|passwd|secret|token|api_?key|apikey|sessionid|csrf\w*|"
            r"authorization|cookie|dsn|email|phone|mobile|first_name|last_name|full_name)"
            r"[\w\-]*['\"]?\s*[=:]\s*['\"]?)(?!%[sdr])([^\s&'\",;}]+)"
        ),
        r"\1" + FILTERED,
    ),
    # Credentials inside URLs: scheme://user:secret@host, and DSN keys scheme://key@host.
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s:@'\"]+(?::[^/\s@'\"]*)?@"),
        r"\1" + FILTERED + "@",
    ),
    # E-mail addresses anywhere.
    (re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"), "[email]"),
    # Phone numbers: +<country code> ..., or a ten-digit Indian mobile number.
    (re.compile(r"\+\d{1,3}[\s\-]?\d[\d\s\-]{6,13}\d"), "[phone]"),
    (re.compile(r"(?<![\w.])[6-9]\d{9}(?![\w.])"), "[phone]"),
]
# ``<Student: Asha Rao (CSE-1)>``: Django model reprs in stack-frame variables carry names.
_MODEL_REPR = re.compile(r"<(\w+(?:\.\w+)*): [^<>]*>")
# Contexts the SDK itself fills (runtime name, OS, trace ids): nothing personal in them.
_SDK_CONTEXTS = frozenset(
    {
        "trace",
        "runtime",
        "os",
        "device",
        "app",
        "profile",
        "otel",
        "cloud_resource",
        "culture",
        "flags",
        "response",
    }
)
_HEADER_SECRETS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-csrftoken",
        "x-auth-token",
    }
)


@functools.lru_cache(maxsize=4096)
def is_sensitive_key(key: object) -> bool:
    """Is a dict key (a header, a form field, a variable name) one whose value is secret?"""
    if not isinstance(key, str):
        return False
    k = key.lower().replace("-", "_")
    if k in _SENSITIVE_KEYS or key.lower() in _SENSITIVE_KEYS:
        return True
    return any(fragment.replace("-", "_") in k for fragment in _SENSITIVE_FRAGMENTS)


# One cheap search decides whether the substitutions below can change a string at all.
_MAY_NEED_SCRUBBING = re.compile(
    r"(?i)token|bearer|basic|digest|passw|secret|api_?key|apikey|session|csrf|authoriz|cookie|"
    r"dsn|email|phone|mobile|_name|@|\+\d|[6-9]\d{9}"
)


def scrub_text(text: str) -> str:
    """Replace credentials, e-mail addresses and phone numbers inside free text."""
    if not _MAY_NEED_SCRUBBING.search(text):
        return text
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_data(value: Any, *, frame_vars: bool = False, depth: int = 0) -> Any:
    """Recursively scrub a JSON-like value: sensitive keys are filtered, text is cleaned."""
    if depth > 20:
        return value
    if isinstance(value, dict):
        return {
            k: (
                FILTERED
                if is_sensitive_key(k) and v not in (None, "", [], {})
                else scrub_data(v, frame_vars=frame_vars, depth=depth + 1)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_data(v, frame_vars=frame_vars, depth=depth + 1) for v in value]
    if isinstance(value, str):
        if frame_vars:
            # Bulk text in a local variable (an uploaded CSV, a request body) is personal
            # data by construction; a model repr names the person it belongs to.
            # (Frame variables arrive as reprs, so a newline may be the two characters \n.)
            lines = "\n" in value or "\\n" in value
            if lines and ("," in value or "\t" in value or "\\t" in value) and len(value) > 20:
                return f"[Filtered: {len(value)} characters of bulk text]"
            value = _MODEL_REPR.sub(r"<\1: " + FILTERED + ">", value)
        return scrub_text(value)
    return value


def _scrub_query_string(qs: Any) -> Any:
    if isinstance(qs, str):
        pairs = parse_qsl(qs, keep_blank_values=True)
        if not pairs:
            return scrub_text(qs)
        return urlencode(
            [(k, FILTERED if is_sensitive_key(k) else scrub_text(v)) for k, v in pairs], safe="[]"
        )
    if isinstance(qs, list):  # [[key, value], ...]
        return [
            [pair[0], FILTERED if is_sensitive_key(pair[0]) else scrub_data(pair[1])]
            if isinstance(pair, list | tuple) and len(pair) == 2
            else scrub_data(pair)
            for pair in qs
        ]
    return scrub_data(qs)


def _scrub_request(request: dict[str, Any]) -> None:
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            k: FILTERED
            if (k.lower() in _HEADER_SECRETS or is_sensitive_key(k))
            else scrub_text(v)
            if isinstance(v, str)
            else v
            for k, v in headers.items()
        }
    if request.get("cookies"):
        request["cookies"] = FILTERED
    if "query_string" in request:
        request["query_string"] = _scrub_query_string(request["query_string"])
    if "data" in request:
        data = request["data"]
        if isinstance(data, str):
            pairs = parse_qsl(data, keep_blank_values=True)
            request["data"] = (
                _scrub_query_string(data) if pairs and "=" in data else scrub_text(data)
            )
        else:
            request["data"] = scrub_data(data)
    if isinstance(request.get("url"), str):
        request["url"] = scrub_text(request["url"])
    if isinstance(request.get("env"), dict):
        request["env"] = {
            k: v for k, v in scrub_data(request["env"]).items() if k not in ("REMOTE_ADDR",)
        }


def _scrub_frames(container: Any) -> None:
    if not isinstance(container, dict):
        return
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        if isinstance(frame, dict) and "vars" in frame:
            frame["vars"] = scrub_data(frame["vars"], frame_vars=True)


def scrub_event(event: dict[str, Any]) -> dict[str, Any]:
    """Scrub everything of an error or transaction event that can carry user input."""
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    for key in ("extra", "contexts", "tags"):
        if isinstance(event.get(key), dict):
            event[key] = {
                k: (
                    v
                    if key == "contexts" and k in _SDK_CONTEXTS
                    else FILTERED
                    if is_sensitive_key(k)
                    else scrub_data(v)
                )
                for k, v in event[key].items()
            }
    user = event.get("user")
    if isinstance(user, dict):
        # Only an id and a role ever describe a user.
        event["user"] = {k: v for k, v in user.items() if k in ("id", "role")}
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        _scrub_logentry(logentry)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception, dict):
            if isinstance(exception.get("value"), str):
                exception["value"] = scrub_text(exception["value"])
            _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    _scrub_frames(event)
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        if isinstance(crumb, dict):
            _scrub_breadcrumb(crumb)
    for span in event.get("spans") or []:
        if isinstance(span, dict):
            # SQL is sent with placeholders, never values: no need to scan it.
            sql = span.get("op") == "db" and (span.get("data") or {}).get("db.system")
            for key in ("description", "name"):
                if isinstance(span.get(key), str) and not sql:
                    span[key] = scrub_text(span[key])
            if isinstance(span.get("data"), dict):
                span["data"] = scrub_data(span["data"])
            if isinstance(span.get("tags"), dict):
                span["tags"] = scrub_data(span["tags"])
    if isinstance(event.get("transaction"), str):
        event["transaction"] = scrub_text(event["transaction"])
    _group_infeasible(event)
    return event


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdrifgexXoc%]")
_KEY_BEFORE_PLACEHOLDER = re.compile(
    r"(?i)(password|passwd|secret|token|api_?key|sessionid|csrf\w*|authorization|cookie|dsn|"
    r"email|phone|mobile|first_name|last_name|full_name|name|user(?:name)?)['\"]?\s*[=:]?\s*"
    r"['\"]?$"
)


def _scrub_logentry(logentry: dict[str, Any]) -> None:
    """``logger.info("login %s password=%s", user, pw)``: a parameter that follows a
    sensitive word in the template is filtered; the others are cleaned like free text."""
    template = logentry.get("message")
    params = logentry.get("params")
    if isinstance(template, str) and isinstance(params, list):
        index = 0
        for match in _PLACEHOLDER.finditer(template):
            if match.group() == "%%":
                continue
            if index < len(params) and _KEY_BEFORE_PLACEHOLDER.search(
                template[max(0, match.start() - 40) : match.start()]
            ):
                params[index] = FILTERED
            index += 1
    if params is not None:
        logentry["params"] = scrub_data(params)
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = scrub_text(logentry[key])


def _scrub_breadcrumb(crumb: dict[str, Any]) -> dict[str, Any]:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub_text(crumb["message"])
    if "data" in crumb:
        crumb["data"] = scrub_data(crumb["data"])
    return crumb


def _group_infeasible(event: dict[str, Any]) -> None:
    """Infeasible-timetable failures group by scope, whatever their message says."""
    if event.get("fingerprint") or event.get("type") == "transaction":
        return
    names = [
        e.get("type", "")
        for e in (event.get("exception") or {}).get("values") or []
        if isinstance(e, dict)
    ]
    if any("Infeasible" in (name or "") for name in names):
        scope = (event.get("tags") or {}).get("scope", "unknown")
        event["fingerprint"] = ["timetable-infeasible", str(scope)]
