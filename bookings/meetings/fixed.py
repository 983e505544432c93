from portal import crypto

from ..models import Counsellor
from .base import MeetingDetails, MeetingRequest, ProviderNotConfigured


class FixedRoomProvider:
    """The counsellor's own room, entered in admin (apps without an API, e.g. Tele Office)."""

    name = "fixed"
    local = False  # fails while a counsellor has no room entered

    def create(self, request: MeetingRequest) -> MeetingDetails:
        counsellor = Counsellor.objects.get(pk=request.counsellor_id)
        if not (counsellor.fixed_meeting_id and counsellor.fixed_passcode_encrypted):
            raise ProviderNotConfigured(
                f"counsellor {counsellor.pk} has no fixed room: enter it in admin"
            )
        return MeetingDetails(
            meeting_id=counsellor.fixed_meeting_id,
            passcode=crypto.decrypt(counsellor.fixed_passcode_encrypted),
            join_url=counsellor.fixed_join_url,
            external_id="",
        )

    def delete(self, external_id: str) -> None:
        """The counsellor's room outlives a booking: nothing to delete."""
