"""Reading what the host answered: a success body into its wire model, an error body
into the envelope. Anything that is not the contract becomes a ``ProtocolError``
that names the endpoint (and the key, when one the flow needs is missing); nothing
from httpx or pydantic leaks.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from tracker_core.errors import ProtocolError
from tracker_core.host.call import Call
from tracker_core.host.retry import parse_retry_after
from tracker_core.host.wire import ErrorEnvelope

M = TypeVar("M", bound=BaseModel)


def _problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    if not errors:
        return "unexpected response shape"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "missing":
        return f"the response has no '{where}'{more}"
    return f"unexpected response shape, {where or 'body'}: {first['msg']}{more}"


def parse(response: httpx.Response, model: type[M], call: Call) -> M:
    """A 2xx body as ``model``; keys the request already named are its defaults."""
    status = response.status_code
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            f"HTTP {status} from {call.endpoint}: body is not JSON "
            f"({content_type(response, call)})",
            status_code=status,
        ) from None
    if not isinstance(data, dict):
        raise ProtocolError(
            f"HTTP {status} from {call.endpoint}: unexpected response shape, "
            f"expected an object, got {type(data).__name__}",
            status_code=status,
        )
    try:
        return model.model_validate(data, context=call.defaults())
    except ValidationError as exc:
        raise ProtocolError(
            f"HTTP {status} from {call.endpoint}: {call.host_text(_problem(exc))}",
            status_code=status,
        ) from None


def content_type(response: httpx.Response, call: Call) -> str:
    value = response.headers.get("content-type", "")
    return call.host_text(value, max_len=60) or "no content type"


def json_body(response: httpx.Response) -> Any:
    """The decoded body, or ``None`` when it is not JSON."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def envelope(response: httpx.Response) -> ErrorEnvelope | None:
    """The error envelope, when the body is one: an object carrying a code (as
    ``error_code`` or ``code``) or at least a message."""
    data = json_body(response)
    if not isinstance(data, dict):
        return None
    try:
        env = ErrorEnvelope.model_validate(data)
    except ValidationError:
        return None
    return env if env.error_code or env.message.strip() else None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429 asks to wait: the ``Retry-After`` header, else the envelope's."""
    header = parse_retry_after(response.headers.get("retry-after"))
    if header is not None:
        return header
    env = envelope(response)
    if env is not None and env.retry_after_seconds is not None:
        return float(max(env.retry_after_seconds, 0))
    return None
