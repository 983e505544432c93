"""Reads of a person's account."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import Profile, User


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in person of a request behind `login_required` (or the staff admin):
    `request.user` narrowed from `User | AnonymousUser`; nobody signed in is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def profile_for(user: User) -> Profile:
    """The person's profile (made empty on first use), read once per request: kept on the
    user object, so every rule that looks at it during a request shares one query."""
    profile: Profile | None = getattr(user, "_cached_profile", None)
    if profile is None:
        profile, _created = Profile.objects.get_or_create(user=user)
        user._cached_profile = profile  # type: ignore[attr-defined]
    return profile
