"""Counsellors' own records: the fixed meeting room of offices whose provider is "fixed"."""

from django.db import transaction

from portal import crypto

from ..models import Counsellor


@transaction.atomic
def set_fixed_passcode(*, counsellor: Counsellor, passcode: str) -> Counsellor:
    """Store the passcode of the counsellor's fixed room, encrypted at rest."""
    counsellor.fixed_passcode_encrypted = crypto.encrypt(passcode)
    counsellor.save(update_fields=["fixed_passcode_encrypted"])
    return counsellor
