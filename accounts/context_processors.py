from django.core.cache import cache
from django.http import HttpRequest

UNREAD_TTL = 300


def unread_cache_key(user_id: int) -> str:
    return f"mailbox:unread:{user_id}"


def mailbox(request: HttpRequest) -> dict:
    """The unread count shown in the header of every page (cached; the mailbox services
    forget it whenever a message arrives or is read)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = cache.get_or_set(
        unread_cache_key(user.pk),
        lambda: user.messages.filter(read_at__isnull=True).count(),
        UNREAD_TTL,
    )
    return {"unread_messages": count}
