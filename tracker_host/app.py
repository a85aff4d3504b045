"""`create_app`: the FastAPI application of one host instance."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__, api, envelope
from .access import check_access, provider_source_for
from .faults import FaultMiddleware
from .limits import BodyLimitMiddleware
from .runtime import HostRuntime
from .settings import HostSettings


def _validation_summary(exc: RequestValidationError) -> str:
    """One line naming the first problem; never echoes the input (it may hold secrets)."""
    errors = exc.errors()
    if not errors:
        return "malformed request"
    first = errors[0]
    if first.get("type") == "json_invalid":
        return "the body is not valid JSON"
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body",)]
    where = ".".join(loc) or "body"
    message = f"{where}: {first.get('msg', 'invalid')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    return message[:300]


async def _on_host_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, envelope.HostError)
    return envelope.error_response(exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # FastAPI may reject a request (e.g. non-JSON body) before the access checks ran:
    # run them now so auth, team and provider errors keep their precedence.
    try:
        await check_access(request, provider_source_for(request.method, request.url.path))
    except envelope.HostError as error:
        return envelope.error_response(error)
    return envelope.error_response(envelope.invalid_request(_validation_summary(exc)))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it could not parse at all (e.g. nested too deep):
        # a request validation error like any other, after the access checks.
        try:
            await check_access(request, provider_source_for(request.method, request.url.path))
        except envelope.HostError as refused:
            return envelope.error_response(refused)
        return envelope.error_response(envelope.invalid_request("the body is not valid JSON"))
    routing = envelope.http_error(exc.status_code, str(exc.detail or ""))
    return envelope.error_response(routing, headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after this answer is sent, so the server logs the traceback.
    return envelope.error_response(envelope.internal_error())


def _openapi_without_default_422(app: FastAPI) -> dict[str, Any]:
    """The schema minus FastAPI's stock 422 answers: this host reports request
    validation as 400 with the envelope (documented on every route)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        stock = "#/components/schemas/HTTPValidationError"
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422")
                if answer and answer["content"]["application/json"]["schema"].get("$ref") == stock:
                    del operation["responses"]["422"]
        components = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def create_app(settings: HostSettings) -> FastAPI:
    """The host's ASGI app; state lives in `app.state.runtime` (store, signer, faults)."""
    runtime = HostRuntime.build(settings)
    app = FastAPI(
        title="sk-tracker reference host",
        version=__version__,
        description=(
            "Reference implementation of the spec-kitty tracker host contract: discover "
            "resources, resolve and confirm bindings, validate binding refs, status and "
            "mappings. Every error uses one JSON envelope."
            + (" Dev controls are enabled." if settings.dev else "")
        ),
        docs_url="/docs" if settings.dev else None,
        redoc_url=None,
        # A path without its trailing slash is an error in the envelope, not a bare
        # 307: clients must not follow redirects with a bearer token.
        redirect_slashes=False,
    )
    app.state.runtime = runtime
    app.openapi = lambda: _openapi_without_default_422(app)  # type: ignore[method-assign]
    app.include_router(api.router)
    if settings.dev:
        from . import dev  # dev routes exist only in dev mode

        app.include_router(dev.router)
    app.add_exception_handler(envelope.HostError, _on_host_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
    # Last added runs first: the body limit guards everything, faults sit behind it.
    app.add_middleware(FaultMiddleware, injector=runtime.faults)
    dev_limit = settings.max_dev_body_bytes if settings.dev else settings.max_body_bytes
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, dev_limit=dev_limit)
    return app
