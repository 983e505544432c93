"""Whether a weekly template keeps to its office's slot rules: its weekdays, and its fixed
start times or its window (I4(1) 10:00–16:00, K6(1) 10:00, 11:00, 14:00, 15:00)."""

import datetime as dt

from django.utils.translation import gettext as _

from ..models import Office

DEFAULT_WEEKDAYS = [0, 1, 2, 3, 4]


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def template_refusal(
    office: Office, *, weekday: int, start: dt.time, end: dt.time | None
) -> str | None:
    """Why a template (one start, or a window start–end) breaks the office's rules; None
    when it keeps to them."""
    if weekday not in (office.weekdays or DEFAULT_WEEKDAYS):
        return _("The office holds no consultations on this weekday.")
    last_end = _minutes(end) if end else _minutes(start) + office.slot_minutes
    if office.slot_mode == Office.SlotMode.FIXED_TIMES:
        allowed = ", ".join(office.start_times)
        if end is not None:
            return _(
                "This office has fixed start times (%(times)s): leave the end of the window "
                "empty and choose one of them."
            ) % {"times": allowed}
        if start.strftime("%H:%M") not in office.start_times:
            return _("Choose one of the office's start times: %(times)s.") % {"times": allowed}
        return None
    if office.window_start is None or office.window_end is None:
        return _("Set the office's window (start and end) first.")
    if _minutes(start) < _minutes(office.window_start) or last_end > _minutes(office.window_end):
        return _("Slots must lie between %(start)s and %(end)s, the office's hours.") % {
            "start": office.window_start.strftime("%H:%M"),
            "end": office.window_end.strftime("%H:%M"),
        }
    return None
