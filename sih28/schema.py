"""OpenAPI: what drf-spectacular cannot see in the code by itself.

The project's auth classes are knox's token and DRF's session schemes (they only add Sentry user
context); a time of day has no offset; and every operation's error answers are documented
beside its success (``document_error_responses``, a postprocessing hook). The schema fuzz test
(``tests/test_schema_fuzz.py``) holds the API to all of it.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from sih28.pagination import StandardPagination


class ProjectTokenScheme(KnoxTokenScheme):
    target_class = "sih28.authentication.TokenAuthentication"
    name = "tokenAuth"


class ProjectSessionScheme(SessionScheme):
    target_class = "sih28.authentication.SessionAuthentication"
    name = "cookieAuth"


#: What ``time.strptime`` accepts for ``%H:%M`` and ``%H:%M:%S``.
CLOCK_TIME_PATTERN = r"^([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5]?[0-9])?$"


class ClockTimeScheme(OpenApiSerializerFieldExtension):
    """A time of day: ``HH:MM`` or ``HH:MM:SS`` in (``REST_FRAMEWORK["TIME_INPUT_FORMATS"]``),
    ``HH:MM:SS`` out, never with an offset. OpenAPI's ``format: time`` is RFC 3339's
    full-time, which requires an offset, so it would describe neither."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": CLOCK_TIME_PATTERN, "example": "09:00"}


# --- Error responses ------------------------------------------------------------------------
#
# drf-spectacular documents the success answer of each operation; the errors every operation
# can give come from the same few places (authentication, RolePermission, throttles, the
# FilterSets and serializers, the exception handler in sih28.errors), so they are added here
# for every operation, by what the operation has: a client can rely on each code listed, and
# the schema fuzz test (tests/test_schema_fuzz.py) fails on any code that is not listed.


class ErrorSerializer(serializers.Serializer):
    """Every error answer: ``detail`` says what went wrong; a few errors add the record they
    are about (for example ``job``)."""

    detail = serializers.CharField()


#: For ``extend_schema(responses={503: ERROR_RESPONSE})`` where a view documents an error
#: itself; its component is the hook's "Error".
ERROR_RESPONSE = ErrorSerializer
ERROR = "Error"
FIELD_ERRORS = "ValidationError"

_COMPONENTS = {
    ERROR: {
        "type": "object",
        "description": "Every error answer: `detail` says what went wrong; a few errors add "
        "the record they are about (for example `job`).",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": 'Invalid input: `{"detail": ...}`, or one list of messages per '
        "invalid field (nested like the input for nested fields).",
        "additionalProperties": {},
    },
}

_WRITES = {"post", "put", "patch", "delete"}


def _error(description: str, component: str = ERROR) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _allow_empty_filters(operation: dict) -> None:
    """An empty filter value (``?date_to=``, as an HTML form sends it) means "no filter" in
    django-filter: say so, so the schema's format applies only to values that are given."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and parameter["name"] not in _PAGING:
            parameter["allowEmptyValue"] = True


_PAGING = {StandardPagination.page_query_param, StandardPagination.page_size_query_param}


def _bound_pages(operation: dict) -> bool:
    """True if the operation is a paginated list (the paginator states its parameters'
    ranges itself: ``StandardPagination.get_schema_operation_parameters``)."""
    return any(
        parameter.get("in") == "query" and parameter["name"] == StandardPagination.page_query_param
        for parameter in operation.get("parameters", [])
    )


def _errors_of(path: str, method: str, operation: dict) -> dict[str, dict]:
    security = operation.get("security", [])
    authenticated = bool(security) and {} not in security
    has_input = "requestBody" in operation or any(
        p.get("in") == "query" for p in operation.get("parameters", [])
    )
    errors = {}
    if has_input:
        errors["400"] = _error("Invalid input or a rule of the domain broken.", FIELD_ERRORS)
    if authenticated:
        errors["401"] = _error("No valid credentials.")
        errors["403"] = _error("The user's role does not allow this.")
    if "{" in path:
        errors["404"] = _error("No such record (or not visible to this user).")
    elif _bound_pages(operation):
        errors["404"] = _error("No such page: `page` is past the last page.")
    if method in _WRITES and authenticated:
        errors["409"] = _error("Conflicts with existing data or with the record's state.")
    errors["429"] = _error("Too many requests; retry after `Retry-After` seconds.")
    return errors


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: add the error answers to every operation
    (an answer the operation documents itself is kept as it is)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for name, component in _COMPONENTS.items():
        components.setdefault(name, component)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            _allow_empty_filters(operation)
            responses = operation.setdefault("responses", {})
            for code, response in _errors_of(path, method, operation).items():
                responses.setdefault(code, response)
    return result
