"""Discovery: the bindable resources of one provider, or of every provider at once.

Across providers the calls run concurrently (about one round-trip, not one per
provider), and a provider with no installation is reported as not connected rather
than failing the whole view.

A resource held by a *disabled* mapping is "disabled", not "bound": the resource
listing alone cannot tell (it shows the holder's ``binding_ref`` either way), so the
provider's mappings are read alongside it, concurrently, and joined by ref. When the
host does not show the caller its mappings (403, 404), held resources show as bound,
as the listing says; any other failure to read them fails the discovery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from tracker_core.errors import ForbiddenError, HostError, NoInstallationError, TrackerError
from tracker_core.host.client import HostClient
from tracker_core.host.concurrency import bounded_map
from tracker_core.host.wire import MappingList, Resource, ResourceList
from tracker_core.providers import PROVIDERS, normalize_provider

log = logging.getLogger("tracker_core.flows.discovery")

BindingStatus = Literal["bound", "disabled", "available"]
BINDING_STATUSES: tuple[BindingStatus, ...] = ("bound", "disabled", "available")


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
    # binding_refs of this provider's disabled mappings (they still hold a resource)
    disabled_refs: frozenset[str] = frozenset()

    def binding_status(self, resource: Resource) -> BindingStatus:
        if resource.binding_ref is None:
            return "available"
        return "disabled" if resource.binding_ref in self.disabled_refs else "bound"

    @property
    def bound_count(self) -> int:
        """Resources held by an active mapping."""
        return sum(1 for r in self.resources if self.binding_status(r) == "bound")

    @property
    def disabled_count(self) -> int:
        """Resources still held by a disabled mapping: neither bound nor available."""
        return sum(1 for r in self.resources if self.binding_status(r) == "disabled")

    @property
    def available_count(self) -> int:
        return sum(1 for r in self.resources if r.binding_ref is None)


def no_installation_guidance(provider: str) -> str:
    return (
        f"no {provider} installation for this team: connect the {provider} tracker "
        "in the SaaS dashboard"
    )


def discover(client: HostClient, provider: str) -> ProviderInventory:
    """One provider's resources; raises (e.g. ``NoInstallationError``) on failure."""
    name = normalize_provider(provider)
    reads: list[Callable[[], ResourceList | MappingList]] = [
        lambda: client.resources(name),
        lambda: client.mappings(name),
    ]
    listed, mapped = bounded_map(lambda read: read(), reads, max_workers=2)
    listing = listed.unwrap()
    assert isinstance(listing, ResourceList)
    disabled: frozenset[str] = frozenset()
    if isinstance(mapped.value, MappingList):
        disabled = frozenset(m.binding_ref for m in mapped.value.mappings if m.status == "disabled")
    elif isinstance(mapped.error, ForbiddenError) or (
        isinstance(mapped.error, HostError) and mapped.error.status_code == 404
    ):
        # A host that does not show this caller its mappings: the listing is all we know.
        log.debug("mappings of %s not shown, held resources show as bound: %s", name, mapped.error)
    else:
        # Garbled, failing or unreachable: the inventory cannot tell bound from disabled.
        mapped.unwrap()
    return ProviderInventory(
        provider=name,
        connected=True,
        resources=tuple(listing.resources),
        installation_id=listing.installation_id,
        disabled_refs=disabled,
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
