"""The wire models on their own: what they accept, coerce and refuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tracker_core.host.wire import (
    BindResult,
    ErrorEnvelope,
    InstallationStatus,
    Me,
    ProjectStatus,
    ResolveResult,
    Resource,
    ValidateResult,
)

RESOURCE = {
    "candidate_token": "ct_1",
    "display_label": "Backend",
    "provider": "linear",
    "provider_context": {"workspace_name": "Acme"},
    "binding_ref": None,
    "bound_project_slug": None,
    "bound_at": None,
}


def test_unknown_keys_are_ignored():
    resource = Resource.model_validate({**RESOURCE, "new_field_from_a_newer_host": [1, 2]})
    assert resource.candidate_token == "ct_1"
    assert not hasattr(resource, "new_field_from_a_newer_host")


def test_provider_context_null_is_empty_and_values_become_text():
    assert Resource.model_validate({**RESOURCE, "provider_context": None}).provider_context == {}
    context = Resource.model_validate(
        {
            **RESOURCE,
            "provider_context": {
                "workspace_name": "Acme",
                "team_id": 42,
                "ratio": 0.5,
                "archived": False,
                "labels": ["a", "b"],
                "owner": {"name": "Ada"},
                "gone": None,
            },
        }
    ).provider_context
    assert context == {
        "workspace_name": "Acme",
        "team_id": "42",
        "ratio": "0.5",
        "archived": "false",
        "labels": '["a", "b"]',
        "owner": '{"name": "Ada"}',
    }
    assert all(isinstance(v, str) for v in context.values())


def test_provider_context_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError, match="provider_context"):
        Resource.model_validate({**RESOURCE, "provider_context": ["workspace"]})


def test_missing_nullable_keys_read_as_none_and_blank_refs_as_unbound():
    resource = Resource.model_validate(
        {"candidate_token": "ct", "display_label": "L", "provider": "jira", "binding_ref": ""}
    )
    assert resource.binding_ref is None and not resource.is_bound
    assert resource.provider_context == {} and resource.bound_at is None


def test_required_keys_and_empty_identifiers_are_refused():
    with pytest.raises(ValidationError, match="candidate_token"):
        Resource.model_validate({k: v for k, v in RESOURCE.items() if k != "candidate_token"})
    with pytest.raises(ValidationError, match="binding_ref"):
        BindResult.model_validate(
            {"binding_ref": "", "display_label": "x", "provider": "linear", "bound_at": None}
        )


def test_timestamps_parse_with_their_zone():
    bound = Resource.model_validate({**RESOURCE, "bound_at": "2025-03-01T12:00:00Z"})
    assert bound.bound_at == datetime(2025, 3, 1, 12, tzinfo=UTC)
    offset = Resource.model_validate({**RESOURCE, "bound_at": "2025-03-01T14:00:00.25+02:00"})
    assert offset.bound_at == datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    naive = Resource.model_validate({**RESOURCE, "bound_at": "2025-03-01 12:00:00"})
    assert naive.bound_at == datetime(2025, 3, 1, 12, tzinfo=UTC)
    # Display-only: a timestamp that cannot be read is unknown, not a failed discovery.
    assert Resource.model_validate({**RESOURCE, "bound_at": "last tuesday"}).bound_at is None


def test_enumerations_are_case_insensitive_but_closed():
    me = Me.model_validate({"user": "ada", "team_slug": "acme", "role": "Admin"})
    assert me.role == "admin"
    with pytest.raises(ValidationError, match="role"):
        Me.model_validate({"user": "ada", "team_slug": "acme", "role": "owner"})


def test_candidates_come_out_in_sort_position_order():
    def cand(pos: int) -> dict[str, object]:
        return {
            "candidate_token": f"ct{pos}",
            "display_label": f"L{pos}",
            "confidence": "medium",
            "match_reason": "slug",
            "sort_position": pos,
        }

    result = ResolveResult.model_validate(
        {"match_type": "candidates", "candidates": [cand(2), cand(0), cand(1)]}
    )
    assert [c.sort_position for c in result.candidates] == [0, 1, 2]


def test_models_are_frozen():
    resource = Resource.model_validate(RESOURCE)
    with pytest.raises(ValidationError):
        resource.binding_ref = "srm_x"  # type: ignore[misc]


def test_validate_result_invalid_shape():
    result = ValidateResult.model_validate(
        {
            "valid": False,
            "binding_ref": "srm_1",
            "reason": "mapping_disabled",
            "guidance": "re-bind",
        }
    )
    assert not result.valid and result.reason == "mapping_disabled"
    assert result.provider_context == {} and result.display_label is None


def test_status_models_take_documented_defaults():
    status = ProjectStatus.model_validate({"connected": True}, context={"provider": "linear"})
    assert (status.provider, status.configured, status.connected) == ("linear", True, True)
    assert ProjectStatus.model_validate({"status": "disconnected"}).connected is False
    # The key each status flow reports must be there: a body without it is the wrong shape.
    with pytest.raises(ValidationError, match="connected"):
        ProjectStatus.model_validate({"unexpected": "shape"}, context={"provider": "linear"})
    with pytest.raises(ValidationError, match="bindings"):
        InstallationStatus.model_validate({"connected": True}, context={"provider": "linear"})
    counted = InstallationStatus.model_validate({"bindings": 3})
    assert (counted.bindings, counted.binding_count, counted.resource_count) == ([], 3, None)
    with pytest.raises(ValidationError, match="resource_count"):
        InstallationStatus.model_validate({"resource_count": -1, "bindings": []})


def test_error_envelope_reads_code_as_an_alias():
    full = {
        "error_code": "no_installation",
        "message": "connect it",
        "error_category": "installation",
        "retryable": False,
        "user_action_required": True,
        "retry_after_seconds": None,
    }
    assert ErrorEnvelope.model_validate(full).error_code == "no_installation"
    aliased = {**{k: v for k, v in full.items() if k != "error_code"}, "code": "forbidden"}
    assert ErrorEnvelope.model_validate(aliased).error_code == "forbidden"
    both = {**full, "code": "other"}
    assert ErrorEnvelope.model_validate(both).error_code == "no_installation"
    null_code = {**full, "error_code": None, "code": "rate_limited"}
    assert ErrorEnvelope.model_validate(null_code).error_code == "rate_limited"


def test_error_envelope_defaults_and_refusals():
    minimal = ErrorEnvelope.model_validate({"code": "x", "message": None})
    assert minimal.message == "" and not minimal.retryable and minimal.retry_after_seconds is None
    assert (
        ErrorEnvelope.model_validate({"code": "x", "retry_after_seconds": 1.2}).retry_after_seconds
        == 2
    )
    aliased = ErrorEnvelope.model_validate({"code": "Forbidden", "category": "team"})
    assert (aliased.error_code, aliased.error_category) == ("forbidden", "team")
    # No code at all: empty, and the client goes by the HTTP status.
    assert ErrorEnvelope.model_validate({"message": "nope"}).error_code == ""
    for not_an_envelope in (["x"], "text", None):
        with pytest.raises(ValidationError):
            ErrorEnvelope.model_validate(not_an_envelope)
