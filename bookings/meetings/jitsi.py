import secrets
import string

from django.conf import settings

from .base import MeetingDetails, MeetingRequest


class JitsiProvider:
    """A room on a (self-hosted) Jitsi server: an unguessable room name and a passcode."""

    name = "jitsi"
    local = True

    def create(self, request: MeetingRequest) -> MeetingDetails:
        room = "consult-" + secrets.token_urlsafe(18).replace("_", "").replace("-", "")[:20]
        passcode = "".join(secrets.choice(string.digits) for _ in range(8))
        return MeetingDetails(
            meeting_id=room,
            passcode=passcode,
            join_url=f"{settings.JITSI_BASE_URL}/{room}",
            external_id=room,
        )

    def delete(self, external_id: str) -> None:
        """A Jitsi room exists only while people are in it: nothing to delete."""
