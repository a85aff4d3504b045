"""Discovery: the bindable resources of one provider, or of every provider at once.

Across providers the calls run concurrently (about one round-trip, not one per
provider), and a provider with no installation is reported as not connected rather
than failing the whole view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tracker_core.errors import NoInstallationError, TrackerError
from tracker_core.host.client import HostClient
from tracker_core.host.concurrency import bounded_map
from tracker_core.host.wire import Resource
from tracker_core.providers import PROVIDERS, normalize_provider


@dataclass(frozen=True)
class ProviderInventory:
    """What one provider's installation offers, or why it could not be read."""

    provider: str
    connected: bool
    resources: tuple[Resource, ...] = ()
    installation_id: str | None = None
    error: str | None = None  # guidance when not connected, or the failure
    # Set when the provider could not be read at all (host down, protocol error...),
    # as opposed to simply having no installation: the view is then incomplete.
    failure: TrackerError | None = field(default=None, compare=False, repr=False)

    @property
    def bound_count(self) -> int:
        return sum(1 for r in self.resources if r.is_bound)


def no_installation_guidance(provider: str) -> str:
    return (
        f"no {provider} installation for this team: connect the {provider} tracker "
        "in the SaaS dashboard"
    )


def discover(client: HostClient, provider: str) -> ProviderInventory:
    """One provider's resources; raises (e.g. ``NoInstallationError``) on failure."""
    name = normalize_provider(provider)
    listing = client.resources(name)
    return ProviderInventory(
        provider=name,
        connected=True,
        resources=tuple(listing.resources),
        installation_id=listing.installation_id,
    )


def discover_all(
    client: HostClient, providers: Sequence[str] | None = None, *, max_workers: int = 8
) -> list[ProviderInventory]:
    """Every provider's resources, concurrently; failures are per provider."""
    names = [normalize_provider(p) for p in (providers or PROVIDERS)]
    outcomes = bounded_map(lambda p: discover(client, p), names, max_workers=max_workers)
    result: list[ProviderInventory] = []
    for name, outcome in zip(names, outcomes, strict=True):
        if outcome.error is None and outcome.value is not None:
            result.append(outcome.value)
        elif isinstance(outcome.error, NoInstallationError):
            result.append(
                ProviderInventory(name, connected=False, error=no_installation_guidance(name))
            )
        else:
            result.append(
                ProviderInventory(
                    name, connected=False, error=str(outcome.error), failure=outcome.error
                )
            )
    return result


class ProviderReadout(Protocol):
    """Anything that reports per provider whether it could be read."""

    @property
    def failure(self) -> TrackerError | None: ...


def first_failure(items: Sequence[ProviderReadout]) -> TrackerError | None:
    """The first provider that could not be read (host down, protocol error...), for
    inventories and installation statuses alike."""
    return next((i.failure for i in items if i.failure is not None), None)
