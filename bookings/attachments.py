"""How a mailbox message shows the access code of a room (registered in apps.ready)."""

from django.template.loader import render_to_string

from .models import Room
from .selectors import access_code_for


def render_room(message, ident: str, request) -> str:
    room = (
        Room.objects.select_related("booking", "booking__slot", "booking__slot__office")
        .filter(pk=ident if ident.isdecimal() else 0, booking__user=message.user)
        .first()
    )
    if room is None:
        return ""
    booking = room.booking
    code = access_code_for(booking=booking, user=request.user)
    if code is not None and code != "consent" and room.invalidated_at is not None:
        code = None  # an old room of a moved booking: its code no longer works
    return render_to_string(
        "bookings/_access_code.html",
        {"booking": booking, "code": code, "room": room},
        request=request,
    )
