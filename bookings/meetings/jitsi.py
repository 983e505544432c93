import secrets

from django.conf import settings

from .base import MeetingDetails, MeetingRequest

# A room name people can read out on the phone: four groups of four digits, drawn by
# `secrets` — 10^16 names, about 53 bits, far beyond guessing a room that lives for one
# consultation (the passcode, 8 digits or about 27 bits more, still guards the room).
ROOM_GROUPS = 4
GROUP_DIGITS = 4
PASSCODE_DIGITS = 8


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def new_room_name() -> str:
    """`consult-4827-1930-5561-2083`: the prefix marks the portal's rooms on the server."""
    return "consult-" + "-".join(_digits(GROUP_DIGITS) for _ in range(ROOM_GROUPS))


class JitsiProvider:
    """A room on a (self-hosted) Jitsi server: an unguessable room name and a passcode."""

    name = "jitsi"
    local = True

    def create(self, request: MeetingRequest) -> MeetingDetails:
        room = new_room_name()
        passcode = _digits(PASSCODE_DIGITS)
        return MeetingDetails(
            meeting_id=room,
            passcode=passcode,
            join_url=f"{settings.JITSI_BASE_URL}/{room}",
            external_id=room,
        )

    def delete(self, external_id: str) -> None:
        """A Jitsi room exists only while people are in it: nothing to delete."""
