"""Request parsers: a multipart body is refused before it is read when it is too large,
and JSON nested too deeply for Python's reader is a 400 instead of a ``RecursionError``.

JSON and form bodies are read through ``request.body``, which Django already caps at
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a 400); multipart file parts are not capped by Django at
all (they stream to temporary files), so the multipart parser checks the declared
``Content-Length`` (a WSGI server never lets a view read past it) against the setting it
names. DRF parses lazily, wherever ``request.data`` is first read (by a view, or by the
CSRF check of session authentication), so the parser is the one place every body goes
through.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class SizeLimited:
    """Mixed into a DRF parser: refuse a body over ``settings.<limit_setting>`` bytes."""

    limit_setting = "DATA_UPLOAD_MAX_MEMORY_SIZE"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        try:
            length = int(getattr(request, "META", {}).get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = getattr(settings, self.limit_setting)
        if limit is not None and length > limit:
            raise RequestTooLarge(
                f"The request body is {length:,} bytes; at most {limit:,} bytes are accepted."
            )
        return super().parse(stream, media_type, parser_context)  # type: ignore[misc]


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


class MultiPartParser(SizeLimited, parsers.MultiPartParser):
    pass
