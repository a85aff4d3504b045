"""The live parts of one host instance, shared by its routes (`app.state.runtime`)."""

from __future__ import annotations

from dataclasses import dataclass

from .candidates import CandidateSigner
from .faults import FaultInjector
from .ratelimit import RateLimiter
from .seed import seed_state
from .service import HostService
from .settings import HostSettings
from .store import Store


@dataclass
class HostRuntime:
    settings: HostSettings
    store: Store
    signer: CandidateSigner
    limiter: RateLimiter | None
    faults: FaultInjector
    service: HostService

    @classmethod
    def build(cls, settings: HostSettings) -> HostRuntime:
        store = Store(settings.db_path)
        if not store.is_initialised():
            store.replace_state(seed_state(settings.seed), settings.clock())
        signer = CandidateSigner(settings.candidate_ttl_seconds, settings.clock)
        limiter = (
            RateLimiter(settings.rate_limit, settings.rate_burst, settings.clock)
            if settings.rate_limit is not None
            else None
        )
        return cls(
            settings=settings,
            store=store,
            signer=signer,
            limiter=limiter,
            faults=FaultInjector(),
            service=HostService(settings, store, signer),
        )

    def reset(self, seed: str) -> dict[str, int]:
        """Back to a seed: state, faults, rate-limit buckets, outstanding tokens."""
        counts = self.service.replace_state(seed_state(seed))
        self.faults.clear()
        if self.limiter is not None:
            self.limiter.clear()
        return counts
