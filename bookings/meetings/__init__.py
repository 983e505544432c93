"""Meeting providers: one small interface, one module per provider.

To add a provider: write a module with a class implementing `MeetingProvider`, register it
in PROVIDERS below, and add its choice to `Office.MeetingProvider`.
"""

from .base import (
    MeetingDetails,
    MeetingProvider,
    MeetingRequest,
    ProviderError,
    ProviderNotConfigured,
)
from .fixed import FixedRoomProvider
from .jitsi import JitsiProvider
from .zoom import ZoomProvider


def _providers() -> dict[str, type[MeetingProvider]]:
    return {"zoom": ZoomProvider, "jitsi": JitsiProvider, "fixed": FixedRoomProvider}


def provider_for(name: str) -> MeetingProvider:
    try:
        return _providers()[name]()
    except KeyError:
        raise ProviderNotConfigured(f"unknown meeting provider {name!r}") from None


def local_providers() -> list[str]:
    """The providers that make a room without calling out and without failing: a room job
    may make several of theirs in one transaction."""
    return [name for name, provider in _providers().items() if provider.local]


__all__ = [
    "MeetingDetails",
    "MeetingProvider",
    "MeetingRequest",
    "ProviderError",
    "ProviderNotConfigured",
    "local_providers",
    "provider_for",
]
