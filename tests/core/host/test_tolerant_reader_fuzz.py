"""Any valid answer of any faithful host is read (DESIGN §4 "Reading the host").

Hypothesis builds varied valid payloads for every endpoint: optional keys missing or
``null``, unknown extra keys, enumerations in any case, ``bindings`` as a list or a
count, datetimes with ``Z``, offsets, fractions or a space. The peer is mocked with
``httpx.MockTransport``; the client under test is the real one. A valid payload is
always read, with the values the flow needs intact; an error envelope in any of its
spellings, or any JSON at all, only ever raises the library's documented errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import HostError, ProtocolError, TrackerError
from tracker_core.host.client import HostClient
from tracker_core.host.retry import RetryPolicy

IDENTITY = ProjectIdentity(uuid="8a4a7da6-a97c-4bb4-893a-b31664abfee4", slug="p", node_id="n")
NO_RETRY = RetryPolicy(max_attempts=1, base_delay=0.0, max_delay=0.0, max_total=1.0)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(max_size=30)
label = st.text(min_size=1, max_size=30)
ref = st.from_regex(r"srm_[0-9A-Z]{26}", fullmatch=True)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), text)
json_value = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3)
)


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
    offset = draw(st.integers(min_value=-12 * 60, max_value=14 * 60))
    zone = UTC if offset == 0 else timezone(timedelta(minutes=offset))
    value = moment.replace(tzinfo=zone)
    form = draw(st.sampled_from(["iso", "z", "space", "micro", "naive", "nanos"]))
    if form == "z":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "space":
        return value.isoformat(sep=" ")
    if form == "micro":
        return value.isoformat(timespec="microseconds")
    if form == "naive":
        return moment.isoformat()
    if form == "nanos":
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123" + value.strftime("%z")
    return value.isoformat()


def case(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.capitalize(), f" {word} "])


context = st.one_of(st.none(), st.dictionaries(text, json_value, max_size=4))


@st.composite
def shape(draw: st.DrawFn, required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    """``required`` as given; each optional key drawn, ``null`` or left out; unknown
    extra keys added."""
    out = {k: draw(v) if isinstance(v, st.SearchStrategy) else v for k, v in required.items()}
    for key, strategy in optional.items():
        how = draw(st.sampled_from(["value", "null", "missing"]))
        if how == "value":
            out[key] = draw(strategy)
        elif how == "null":
            out[key] = None
    known = set(required) | set(optional) | {"connected", "status"}
    extra = draw(st.dictionaries(text.filter(lambda k: k not in known), json_value, max_size=3))
    return {**extra, **out}


@st.composite
def resource(draw: st.DrawFn) -> dict[str, Any]:
    return draw(
        shape(
            {"candidate_token": draw(label), "display_label": draw(text)},
            {
                "provider": case("linear"),
                "provider_context": context,
                "binding_ref": ref | st.just(""),
                "bound_project_slug": text,
                "bound_at": timestamps(),
            },
        )
    )


def client_answering(payload: Any, status: int = 200) -> HostClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            content=json.dumps(payload).encode(),
            headers={"content-type": "application/json"},
        )

    return HostClient(
        "https://host.example",
        "tok-fuzz",
        "acme",
        transport=httpx.MockTransport(answer),
        retry=NO_RETRY,
    )


@given(st.data())
@FUZZ
def test_resources(data: st.DataObject) -> None:
    items = data.draw(st.lists(resource(), max_size=4))
    body = data.draw(
        shape({"resources": items}, {"installation_id": text, "provider": case("linear")})
    )
    listing = client_answering(body).resources("linear")
    assert [r.candidate_token for r in listing.resources] == [i["candidate_token"] for i in items]
    assert all(r.provider for r in listing.resources) and listing.provider
    assert all(isinstance(v, str) for r in listing.resources for v in r.provider_context.values())
    assert all(r.bound_at is None or r.bound_at.tzinfo is not None for r in listing.resources)


@given(st.data())
@FUZZ
def test_bind_resolve(data: st.DataObject) -> None:
    candidate = shape(
        {"candidate_token": label, "display_label": text},
        {
            "confidence": case("high") | text,
            "match_reason": text,
            "sort_position": st.integers(0, 50),
        },
    )
    kind = data.draw(st.sampled_from(["exact_token", "exact_ref", "candidates", "none"]))
    required: dict[str, Any] = {"match_type": data.draw(case(kind.split("_")[0]))}
    if kind == "exact_token":
        required["candidate_token"] = data.draw(label)
    if kind == "exact_ref":
        required["binding_ref"] = data.draw(ref)
    if kind == "candidates":
        required["candidates"] = [data.draw(candidate) for _ in range(data.draw(st.integers(1, 4)))]
    optional = {"display_label": text}
    if kind != "candidates":
        optional["candidates"] = st.just([])
    body = data.draw(shape(required, optional))
    result = client_answering(body).bind_resolve("linear", IDENTITY)
    assert result.match_type == kind.split("_")[0]
    assert [c.sort_position for c in result.candidates] == list(range(len(result.candidates)))
    assert {c.confidence for c in result.candidates} <= {"high", "medium", "low"}


@given(st.data())
@FUZZ
def test_bind_confirm(data: st.DataObject) -> None:
    bound = data.draw(ref)
    body = data.draw(
        shape(
            {"binding_ref": bound},
            {
                "display_label": text,
                "provider": case("linear"),
                "provider_context": context,
                "bound_at": timestamps(),
            },
        )
    )
    result = client_answering(body).bind_confirm("linear", "ct", IDENTITY)
    assert result.binding_ref == bound and result.provider
    assert isinstance(result.display_label, str)


@given(st.data())
@FUZZ
def test_bind_validate(data: st.DataObject) -> None:
    valid = data.draw(st.booleans())
    reasons = [
        "binding_not_found",
        "provider_mismatch",
        "mapping_deleted",
        "mapping_disabled",
        "project_mismatch",
    ]
    optional: dict[str, Any] = {
        "binding_ref": st.just("srm_ASKED"),
        "display_label": text,
        "provider": case("linear"),
        "provider_context": context,
        "guidance": text,
        "message": text,
    }
    if not valid:
        optional["reason"] = st.sampled_from(reasons).flatmap(case)
    body = data.draw(shape({"valid": valid}, optional))
    result = client_answering(body).bind_validate("linear", "srm_ASKED", IDENTITY)
    assert result.valid is valid and result.binding_ref == "srm_ASKED"
    assert result.reason is None or result.reason in reasons
    assert "\n" not in (result.guidance or "")


@given(st.data())
@FUZZ
def test_project_status(data: st.DataObject) -> None:
    body = data.draw(
        shape(
            # The one key the status flow reports: ``connected``, or a ``status`` text.
            data.draw(
                st.sampled_from(
                    [
                        {"connected": st.booleans()},
                        {"status": st.sampled_from(["connected", "disconnected"])},
                    ]
                )
            ),
            {
                "provider": case("linear"),
                "configured": st.booleans(),
                "binding_ref": ref,
                "display_label": text,
                "provider_context": context,
                "project_slug": text,
                "sync_state": text,
                "identity_path": st.fixed_dictionaries(
                    {"type": case("binding_ref") | case("project_slug")}
                ),
            },
        )
    )
    status = client_answering(body).project_status("linear", project_slug="p")
    assert status.provider and isinstance(status.connected, bool)
    if body.get("binding_ref"):
        assert status.binding_ref == body["binding_ref"]


@given(st.data())
@FUZZ
def test_installation_status(data: st.DataObject) -> None:
    binding = shape(
        {"binding_ref": ref},
        {
            "project_slug": text,
            "project_uuid": text,
            "display_label": text,
            "provider_context": context,
            "status": case("active") | case("disabled"),
            "bound_at": timestamps(),
        },
    )
    bindings = data.draw(st.integers(0, 500) | st.lists(binding, max_size=4))
    body = data.draw(
        shape(
            {"bindings": bindings},
            {
                "provider": case("linear"),
                "connected": st.booleans(),
                "status": st.sampled_from(["connected", "disconnected"]),
                "installation_id": text,
                "resource_count": st.integers(0, 10_000),
            },
        )
    )
    status = client_answering(body).installation_status("linear")
    count = bindings if isinstance(bindings, int) else len(bindings)
    assert status.binding_count == count
    assert len(status.bindings) == (0 if isinstance(bindings, int) else count)


@given(st.data())
@FUZZ
def test_mappings(data: st.DataObject) -> None:
    mapping = shape(
        {"binding_ref": ref, "status": case("active") | case("disabled") | case("deleted")},
        {
            "display_label": text,
            "provider_context": context,
            "project_uuid": text,
            "project_slug": text,
            "bound_at": timestamps(),
            "updated_at": timestamps(),
        },
    )
    items = data.draw(st.lists(mapping, max_size=4))
    body = data.draw(shape({"mappings": items}, {"provider": case("linear")}))
    listing = client_answering(body).mappings("linear")
    assert [m.binding_ref for m in listing.mappings] == [i["binding_ref"] for i in items]
    assert {m.status for m in listing.mappings} <= {"active", "disabled", "deleted"}


@given(st.data())
@FUZZ
def test_me(data: st.DataObject) -> None:
    body = data.draw(
        shape(
            {"role": data.draw(case("admin") | case("viewer"))}, {"user": text, "team_slug": text}
        )
    )
    me = client_answering(body).me()
    assert me is not None and me.role in ("admin", "viewer")


# --- refusals and junk --------------------------------------------------------------

CALLS: dict[str, Callable[[HostClient], object]] = {
    "resources": lambda c: c.resources("linear"),
    "resolve": lambda c: c.bind_resolve("linear", IDENTITY),
    "confirm": lambda c: c.bind_confirm("linear", "ct", IDENTITY),
    "validate": lambda c: c.bind_validate("linear", "srm_X", IDENTITY),
    "status": lambda c: c.project_status("linear", binding_ref="srm_X"),
    "installation": lambda c: c.installation_status("linear"),
    "mappings": lambda c: c.mappings("linear"),
}
CODES = [
    "forbidden",
    "no_installation",
    "unknown_provider",
    "invalid_candidate_token",
    "already_bound",
    "binding_not_found",
    "mapping_disabled",
    "project_mismatch",
    "idempotency_key_reused",
    "something_new",
]


@given(st.data())
@FUZZ
def test_error_envelopes_in_any_spelling_are_documented_errors(data: st.DataObject) -> None:
    status = data.draw(st.sampled_from([400, 403, 404, 409, 410, 422]))
    code_key = data.draw(st.sampled_from(["error_code", "code"]))
    category_key = data.draw(st.sampled_from(["error_category", "category"]))
    body = data.draw(
        shape(
            {code_key: data.draw(st.sampled_from(CODES).flatmap(case))},
            {
                category_key: text,
                "message": text,
                "guidance": text,
                "retryable": st.booleans(),
                "user_action_required": st.booleans(),
                "retry_after_seconds": st.integers(0, 60),
            },
        )
    )
    call = data.draw(st.sampled_from(sorted(CALLS)))
    try:
        CALLS[call](client_answering(body, status))
    except HostError as exc:
        assert "\n" not in str(exc) and "tok-fuzz" not in str(exc)
        assert exc.status_code == status
    else:
        raise AssertionError(f"HTTP {status} was read as a success")


@given(st.data())
@FUZZ
def test_any_json_at_all_only_raises_documented_errors(data: st.DataObject) -> None:
    status = data.draw(st.sampled_from([200, 400, 404, 409]))
    body = data.draw(json_value)
    call = data.draw(st.sampled_from(sorted(CALLS)))
    try:
        CALLS[call](client_answering(body, status))
    except TrackerError as exc:
        assert "\n" not in str(exc)
        if status == 200:
            assert isinstance(exc, ProtocolError)
