from django.http import HttpRequest


def mailbox(request: HttpRequest) -> dict:
    """The unread count shown in the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": user.messages.filter(read_at__isnull=True).count()}
