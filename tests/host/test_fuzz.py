"""Bounded schemathesis run against the host's own /openapi.json: no 500 for any input,
and every answer has a documented status, content type and shape."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.support.host import ADMIN_TOKEN, TEAM, host_settings
from tracker_host import create_app

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Team-Slug": TEAM}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.missing_required_header,
    checks.ignored_auth,
    checks.unsupported_method,
]

public = schemathesis.openapi.from_asgi("/openapi.json", create_app(host_settings(dev=False)))
# Dev controls too, except faults: injected latency would only slow the run down.
dev = schemathesis.openapi.from_asgi("/openapi.json", create_app(host_settings(dev=True))).exclude(
    path="/api/v1/dev/faults"
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@public.parametrize()
@FUZZ
def test_public_api(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)


@dev.include(path_regex="^/api/v1/dev/").parametrize()
@FUZZ
def test_dev_controls(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
