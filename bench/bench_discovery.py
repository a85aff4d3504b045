"""Discovery across 4 providers: concurrent ``discover_all`` against one call per
provider in a row (naive) and against one round-trip (ideal).

Two installations: a small one, where latency is all there is, and 20,000 resources,
where each listing also costs its serialisation on the host and its parsing here.
"""

from __future__ import annotations

import sys

import httpx
from common import (
    LATENCY_MS,
    TEAM,
    BenchHost,
    Figure,
    clock,
    host_placement,
    main_for,
    median_time,
    reference_host,
)
from workload import PROVIDERS, installation

from tracker_core.flows.discovery import discover, discover_all
from tracker_core.host.wire import ResourceList

TARGET = 1.5  # x one round-trip


def _client_share(host: BenchHost, provider: str, repeat: int) -> float:
    """Seconds the client spends turning one listing into models (JSON decoding and
    validation, as ``HostClient`` does), timed apart from the network."""
    headers = {"Authorization": f"Bearer {host.token.get_secret_value()}", "X-Team-Slug": TEAM}
    with httpx.Client(base_url=host.url, headers=headers, timeout=60) as http:
        response = http.get("/api/v1/tracker/resources/", params={"provider": provider})
    return median_time(lambda: ResourceList.model_validate(response.json()), repeat)


def _figure(host_resources: int, tiny: bool) -> Figure:
    repeat = 1 if tiny else 5
    with reference_host() as host:
        host.load(installation(host_resources, mapped=host_resources // 10).payload)
        with host.client() as client:
            discover_all(client, PROVIDERS)  # warm the connection pool
            concurrent = median_time(lambda: discover_all(client, PROVIDERS), repeat)
            sequential = median_time(lambda: [discover(client, p) for p in PROVIDERS], repeat)
            # One round-trip: each provider's listing alone; the slowest is the bound.
            one = max(
                median_time(lambda p=p: discover(client, p), repeat)  # type: ignore[misc]
                for p in PROVIDERS
            )
            _, inventories = clock(lambda: discover_all(client, PROVIDERS))
        parse = _client_share(host, PROVIDERS[0], repeat)
    found = sum(len(i.resources) for i in inventories)
    assert found == host_resources, f"discovered {found} of {host_resources} resources"
    per = host_resources // len(PROVIDERS)
    host_share = max(one - LATENCY_MS / 1000 - parse, 0.0)
    return Figure(
        name=f"discovery, 4 providers x {per:,} resources",
        measured=concurrent,
        unit="s",
        baseline=sequential,
        baseline_label="(one provider after another)",
        ideal=one,
        ideal_label="(one round-trip)",
        target=f"<= {TARGET}x ideal",
        passed=concurrent <= TARGET * one,
        note=(
            f"one listing = {LATENCY_MS} ms latency + {parse * 1000:.0f} ms client decoding "
            f"+ {host_share * 1000:.0f} ms host and transfer; only the latency overlaps: "
            + (
                "host and client share this interpreter's lock"
                if host_placement() == "in this process"
                else "the host is one Python process and serves one listing's CPU work at a time"
            )
        ),
    )


def run(tiny: bool = False) -> list[Figure]:
    return [_figure(40 if tiny else 400, tiny), _figure(200 if tiny else 20_000, tiny)]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
