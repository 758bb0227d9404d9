"""Request bodies are JSON, and say so.

Ninja's parser reads any body as JSON whatever its `Content-Type` (a form post fails as an
unexplained 400, `text/plain` holding JSON passes). A strict API answers a body of another
media type 415 and a JSON body it cannot parse 400, each saying why (see `problem.py`).
"""

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


def is_json(content_type: str) -> bool:
    """`application/json`, or a structured `+json` type such as `application/merge-patch+json`."""
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if not is_json(content_type):
            raise UnsupportedMediaType(content_type)
        return json.loads(request.body)
