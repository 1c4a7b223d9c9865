"""Every request citychan sends to a fake, checked against the service's own API description
(tests/support/data/openapi/, see its README) with openapi-core: the path and method exist,
parameters and body have the documented types, required fields are there, and - stricter than
the documents, which allow any extra property - the body has no key the document does not
name (a misspelt key would otherwise pass, and the real server ignore it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.validators import (
    V30RequestBodyValidator,
    V30RequestParametersValidator,
    V31RequestBodyValidator,
    V31RequestParametersValidator,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

DATA = Path(__file__).parent / "data" / "openapi"
WAHA = DATA / "waha.json"
SIGNAL = DATA / "signal-cli-rest-api.yaml"


class HttpxRequest:
    """An httpx request as openapi-core reads one (its ``Request`` protocol)."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs]),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return self.request.headers.get("content-type", "").lower()


@cache
def _document(path: Path) -> OpenAPI:
    # WAHA's document is not valid OpenAPI 3.1 in a part citychan never sends (NestJS writes
    # ``required: true`` inside one response property); kept as published, so the check of
    # the document itself is off - the requests are still checked against it
    return OpenAPI.from_file_path(str(path), config=Config(spec_validator_cls=None))


@cache
def _raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too


def validate(path: Path, request: httpx.Request) -> None:
    """Raise AssertionError naming what in ``request`` the document at ``path`` does not
    allow. The API key the document asks for is the fake's to check: WAHA answers 401
    without it, or runs with its security switched off."""
    api = _document(path)
    v31 = api.spec["openapi"].startswith("3.1")
    wrapped = HttpxRequest(request)
    for cls in ((V31RequestParametersValidator, V31RequestBodyValidator) if v31 else
                (V30RequestParametersValidator, V30RequestBodyValidator)):
        try:
            cls(api.spec).validate(wrapped)
        except Exception as exc:  # openapi-core's errors: say which request, and why
            raise AssertionError(f"{request.method} {request.url.path}: {_why(exc)}") from exc
    _no_unknown_keys(path, request)


def _why(exc: BaseException) -> str:
    causes = [str(exc)]
    inner = exc.__cause__
    while inner is not None:
        causes.append(str(inner))
        inner = inner.__cause__
    extra = getattr(exc, "schema_errors", None) or getattr(exc.__cause__, "schema_errors", None)
    causes += [e.message for e in extra or []]
    return "; ".join(causes)


def _no_unknown_keys(path: Path, request: httpx.Request) -> None:
    """The body's top-level keys are among the properties of the operation's schema."""
    if not request.content:
        return
    body = json.loads(request.content)
    schema = _body_schema(path, request)
    if not isinstance(body, dict) or schema is None:
        return
    known = set(schema.get("properties", {}))
    unknown = sorted(set(body) - known)
    assert not unknown, (f"{request.method} {request.url.path}: keys {unknown} are not in "
                         f"the API description (it names {sorted(known)})")


def _body_schema(path: Path, request: httpx.Request) -> dict[str, Any] | None:
    spec = _raw(path)
    operation = spec["paths"].get(request.url.path, {}).get(request.method.lower())
    if operation is None:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref", "")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema
