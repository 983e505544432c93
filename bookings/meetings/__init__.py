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


def provider_for(name: str) -> MeetingProvider:
    from .fixed import FixedRoomProvider
    from .jitsi import JitsiProvider
    from .zoom import ZoomProvider

    providers: dict[str, type[MeetingProvider]] = {
        "zoom": ZoomProvider,
        "jitsi": JitsiProvider,
        "fixed": FixedRoomProvider,
    }
    try:
        return providers[name]()
    except KeyError:
        raise ProviderNotConfigured(f"unknown meeting provider {name!r}") from None


__all__ = [
    "MeetingDetails",
    "MeetingProvider",
    "MeetingRequest",
    "ProviderError",
    "ProviderNotConfigured",
    "provider_for",
]
