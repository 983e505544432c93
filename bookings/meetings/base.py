import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class ProviderError(Exception):
    """The provider failed in a way that may pass (timeout, 5xx, 429): retry later."""


class ProviderNotConfigured(Exception):
    """The provider cannot work as configured (no credentials, unknown name): do not retry."""


@dataclass(frozen=True)
class MeetingRequest:
    """What a provider needs to create a meeting; no personal data of the user."""

    booking_id: int
    topic: str
    starts_at: dt.datetime
    minutes: int
    counsellor_id: int


@dataclass(frozen=True)
class MeetingDetails:
    meeting_id: str
    passcode: str
    join_url: str
    external_id: str = ""  # what the provider needs to delete the meeting


class MeetingProvider(Protocol):
    name: str
    local: bool  # makes rooms without calling out and cannot fail (see local_providers)

    def create(self, request: MeetingRequest) -> MeetingDetails: ...

    def delete(self, external_id: str) -> None: ...
