"""The areas an office serves, as rows the home page's finder reads (`OfficeArea`)."""

import re

from django.db import transaction

from ..models import Office, OfficeArea

_JIS_CODE = re.compile(r"[0-9]{5}")


def sync_office_areas(*, office: Office) -> None:
    """Make the office's `OfficeArea` rows the five-digit codes of its
    `municipality_codes` (called on every save of an office; anything else in the list is
    not a municipality and finds nothing)."""
    wanted = {
        code
        for code in office.municipality_codes or []
        if isinstance(code, str) and _JIS_CODE.fullmatch(code)
    }
    with transaction.atomic():
        rows = OfficeArea.objects.filter(office=office)
        have = set(rows.values_list("municipality_code", flat=True))
        if have - wanted:
            rows.filter(municipality_code__in=have - wanted).delete()
        OfficeArea.objects.bulk_create(
            OfficeArea(office=office, municipality_code=code) for code in sorted(wanted - have)
        )
