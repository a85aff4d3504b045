"""Lenient field types and defaults for the wire models (``wire``): how a value a
real host may send differently is read (see "Defaults" in ``wire``)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping as AbcMapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, TypeAdapter, ValidationError, ValidationInfo


def context_value(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, AbcMapping):
        return value  # pydantic reports "should be a valid dictionary"
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, str):
            out[str(key)] = item
        elif isinstance(item, bool):
            out[str(key)] = "true" if item else "false"
        elif isinstance(item, int | float):
            out[str(key)] = str(item)
        else:
            out[str(key)] = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
    return out


def lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def blank_is_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def when(value: Any) -> datetime | None:
    """A display-only timestamp: parsed when it can be, else ``None``."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        parsed = _DATETIME.validate_python(value.strip() if isinstance(value, str) else value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def confidence(value: Any) -> Any:
    value = lower(value)
    return value if value in ("high", "medium", "low") else "low"


ProviderContext = Annotated[dict[str, str], BeforeValidator(context_value)]
NonEmpty = Annotated[str, Field(min_length=1)]
OptionalText = Annotated[str | None, BeforeValidator(blank_is_none)]
When = Annotated[datetime | None, BeforeValidator(when)]
Confidence = Annotated[Literal["high", "medium", "low"], BeforeValidator(confidence)]
MatchType = Annotated[Literal["exact", "candidates", "none"], BeforeValidator(lower)]
BindingStatus = Annotated[Literal["active", "disabled"], BeforeValidator(lower)]
MappingStatus = Annotated[Literal["active", "disabled", "deleted"], BeforeValidator(lower)]
Role = Annotated[Literal["admin", "viewer"], BeforeValidator(lower)]
IdentityPathType = Annotated[Literal["binding_ref", "project_slug"], BeforeValidator(lower)]


def fill_from_request(data: Any, info: ValidationInfo, *keys: str) -> Any:
    """Missing (or null) ``keys`` taken from the validation context: what the request
    itself named (its provider, its binding_ref)."""
    context = info.context if isinstance(info.context, AbcMapping) else {}
    if not isinstance(data, AbcMapping):
        return data
    data = dict(data)
    for key in keys:
        if data.get(key) is None and context.get(key) is not None:
            data[key] = context[key]
    return data


def label_from_ref(data: Any) -> Any:
    if isinstance(data, AbcMapping) and data.get("display_label") is None:
        return {**data, "display_label": data.get("binding_ref")}
    return data


def connected_from_status(data: Any, *, required: bool = False) -> Any:
    """``connected`` from a ``status`` text when only that was sent. Where the flow
    reports connectivity (``required``), a body with neither key is left without one,
    so it fails as a missing key instead of passing for "connected"."""
    if isinstance(data, AbcMapping) and data.get("connected") is None:
        said = data.get("status")
        if isinstance(said, str):
            return {**data, "connected": lower(said) in ("connected", "active", "ok")}
        if required and "connected" not in data:
            return data
        return {**data, "connected": True}
    return data
