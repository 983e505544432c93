"""Reads about accounts an office issued (T10)."""

from accounts.hooks import Contact
from accounts.models import User

from ..models import IssuedAccount


def reissue_contact(user: User) -> Contact | None:
    """The office that issued the person's account reissues lost credentials (T11(3)):
    its name and phone, or None for an account nobody issued."""
    issued = (
        IssuedAccount.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("office")
        .order_by("-issued_at")
        .first()
    )
    if issued is None or not issued.office.phone:
        return None
    office = issued.office
    return Contact(office.display_name, office.phone.as_national, office.phone.as_rfc3966)
