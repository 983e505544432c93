"""Attachments of mailbox messages, rendered by the app that owns them.

A message can carry an attachment reference such as "room:42". Apps register a renderer
for their prefix (bookings registers "room"), so the mailbox shows an access code without
knowing anything about bookings, and the secret itself never sits in the message text.
"""

from collections.abc import Callable

from django.utils.safestring import SafeString

Renderer = Callable[[object, str, object], SafeString | str]
_renderers: dict[str, Renderer] = {}


def register(prefix: str, renderer: Renderer) -> None:
    _renderers[prefix] = renderer


def render_attachment(message, request) -> SafeString | str:
    if not message.attachment:
        return ""
    prefix, _, ident = message.attachment.partition(":")
    renderer = _renderers.get(prefix)
    if renderer is None:
        return ""
    return renderer(message, ident, request)
