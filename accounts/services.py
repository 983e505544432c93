"""State changes of users and their mailbox."""

import logging

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.jobs import enqueue_on_commit

from . import hooks, outbox
from .context_processors import unread_cache_key
from .messages import supported_language
from .models import AccountEvent, Message, Profile, SignIn, User

logger = logging.getLogger(__name__)


def post_message(
    *,
    user: User,
    kind: str,
    params: dict | None = None,
    key: str = "",
    link: str = "",
    attachment: str = "",
    key_is_new: bool = False,
) -> Message | None:
    """Put a message in the user's mailbox; the outbox (accounts.outbox) tells them by
    e-mail that it is there, after commit, from a job.

    The message is its `kind` and its `params` (listed per kind in `accounts.messages`);
    it is rendered from templates in the reader's language.

    With a `key`, the message is delivered at most once: a second call with the same key
    returns None and sends nothing. The e-mail carries only a link, never the content.
    `key_is_new`: the caller's transaction holds what makes the key unique (it names a row
    created or a state entered in that transaction), so the check and its savepoint are
    skipped; a duplicate would still fail on the unique constraint.
    """
    fields = {
        "user": user,
        "kind": kind,
        "params": params or {},
        "key": key,
        "link": link,
        "attachment": attachment,
    }
    if key_is_new:
        return post_new_messages([Message(**fields)])[0]
    if key and Message.objects.filter(user=user, key=key).exists():
        return None
    message = Message(**fields)
    outbox.mark_due(message, email=user.email, now=timezone.now())
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        if key:  # a concurrent delivery with the same key won
            return None
        raise
    _tell_on_commit([message])
    return message


def post_new_messages(messages: list[Message]) -> list[Message]:
    """Put messages in their users' mailboxes in one insert; the outbox tells each user by
    e-mail.

    Only for messages whose keys are new (see `key_is_new` above): nothing is checked, and
    a duplicate key fails on the unique constraint. Each message's `user` must be loaded
    with its e-mail address (the outbox reads the language when it sends).
    """
    now = timezone.now()
    for message in messages:
        outbox.mark_due(message, email=message.user.email, now=now)
    messages = Message.objects.bulk_create(messages)
    _tell_on_commit(messages)
    return messages


def _tell_on_commit(messages: list[Message]) -> None:
    """Once the messages are committed: the unread counts are counted afresh, and the
    outbox's job sends each user the e-mail that says a message is waiting."""
    unread_keys = sorted({unread_cache_key(message.user_id) for message in messages})
    transaction.on_commit(lambda: cache.delete_many(unread_keys))
    due = [message.pk for message in messages if message.notice_due]
    if due:
        enqueue_on_commit(outbox.send_message_notices_task, due)


@transaction.atomic
def mark_message_read(*, message: Message) -> Message:
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
        transaction.on_commit(lambda: cache.delete(unread_cache_key(message.user_id)))
    return message


class ProfileError(Exception):
    """A profile change refused, with a translated message for the field it concerns."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@transaction.atomic
def update_profile(*, user: User, data: dict) -> Profile:
    """Save the profile fields in `data` (already normalised by the form). A changed phone
    number is stamped: an immediate consultation checks how recently it changed. A phone
    change that another app's rule refuses (a pending immediate consultation, K6の2(3))
    raises ProfileError and saves nothing."""
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    if profile.phone and "phone" in data and data["phone"] != profile.phone:
        refusal = hooks.phone_change_refusal(user)
        if refusal:
            raise ProfileError(refusal, field="phone")
    fields = [
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "phone",
        "postal_code",
        "municipality_code",
        "municipality_name",
        "job_seeker_number",
    ]
    old_phone = profile.phone
    for name in fields:
        if name in data:
            setattr(profile, name, data[name])
    if profile.phone != old_phone and old_phone:
        profile.phone_changed_at = timezone.now()
    profile.save()
    return profile


@transaction.atomic
def confirm_environment(*, user: User) -> Profile:
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    profile.environment_confirmed_at = timezone.now()
    profile.save(update_fields=["environment_confirmed_at", "updated_at"])
    return profile


def record_sign_in(*, user: User, method: str) -> SignIn:
    return SignIn.objects.create(user=user, method=method)


@transaction.atomic
def password_changed(*, user: User) -> None:
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
        AccountEvent.objects.create(
            user=user, actor=user, action=AccountEvent.Action.INITIAL_PASSWORD_CHANGED
        )


def remember_language(*, user: User, language: str) -> None:
    """Keep the language the person chose: their messages and e-mails are written in it.
    One UPDATE, and only when it changes."""
    language = supported_language(language)
    if (user.language or settings.LANGUAGE_CODE) == language:
        return
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def end_sessions(*, user: User) -> int:
    """Sign the person out everywhere, at once (allauth's usersessions tracks every session
    of a person): after a reissue, a suspension or a second-factor reset. Returns how many
    sessions were ended."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    for session in sessions:
        session.end()
    return len(sessions)
