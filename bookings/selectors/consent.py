"""Which of an office's terms a person still has to agree to."""

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from terms.selectors import ConsentNeed, consent_needs

from ..models import Office, Slot
from .sessions import terms_documents_for


def missing_consents(
    user: User | AnonymousUser, office: Office, slot: Slot | None = None
) -> list[ConsentNeed]:
    """The office's documents whose version in force `user` has not agreed to (empty for
    an anonymous visitor's documents too: each need names the version to agree to); for
    a session's `slot`, its own terms document only."""
    return consent_needs(user, terms_documents_for(office, slot))
