"""Mailbox messages and e-mails as people read them: rendered from templates, in the
reader's language.

A message is stored as its kind and its parameters (`Message.params`); its subject and
body are rendered when someone reads it, from

    templates/messages/<kind>.subject.txt       Japanese, the default language
    templates/messages/<kind>.body.txt
    templates/messages/en/<kind>.subject.txt    English
    templates/messages/en/<kind>.body.txt

with the parameters as the context, inside `translation.override(language)`: every date
goes through `portal.dates` (the `jp` template filters) in that language. The mailbox
pages render in the language of the request; e-mails in the recipient's `User.language`.
A language without its own folder reads the Japanese text. The templates are plain text:
each one turns autoescaping off, and the mailbox page escapes the text it shows.

Messages written before templates (stored `subject`/`body`, no parameters) are shown
with their stored text.

Parameters are JSON. Conventions:
- a key ending in `_at` is a datetime: pass an aware datetime (the field's encoder
  stores it as ISO 8601); templates get it back as a datetime;
- a name shown in both languages comes in a pair, `<name>` (Japanese) and `<name>_en`
  (English, may be blank: the English text then shows the Japanese name);
- free text written by staff (a reason) is shown as written;
- `office_phone` is the office's number in national format ("0144-32-5221").

Parameters of each kind (O = the office: `office_name`, `office_name_en`; W = the
consultation: `starts_at`, `ends_at`; a message about a session (seminar, tour…) also
has its `title`, `title_en` and, where the kind uses them, `notes`, `notes_en`):

    general            subject, body, subject_en, body_en (a notice written by staff; the
                       English reader gets the `_en` text when it is not blank)
    suspended          reason, suspended_at; at one office also O, office_phone and
                       office_id (none of these: suspended everywhere)
    booking_requested  O, W, office_phone
    booking_confirmed  O, W
    booking_declined   O, W, reason, office_phone
    booking_cancelled  O, W, reason (blank when the person cancelled without one),
                       by_staff (true: cancelled by the office, e.g. when the person phoned),
                       session_cancelled (true: the office cancelled the whole session)
    booking_moved      O, W (the new time), old_starts_at, old_ends_at, confirmed,
                       by_person (true: the person changed it themselves on the booking page)
    access_code        O, W, office_phone, terms_url (absolute), minutes (the no-show
                       rule; 0 for a session without it); the attachment
                       "room:<id>" shows the code itself, which is never a parameter
    reminder           O, W, office_phone
    no_show            O, W, office_phone, minutes (the no-show rule, 10)
    terms_revision     title, title_en, number, effective_at, summary, summary_en,
                       diff_url (absolute, may be blank)
    request_expired    O, W, office_phone, office_id
    request_overdue    O, W, office_phone, office_id, answer_by_at
    request_overdue_staff  (to the office's staff) O, W, office_phone, office_id,
                       booking_id, full_name, full_name_kana, requested_at, answer_by_at,
                       admin_url (absolute)
    waiting_offer      (a seat of a full session offered to the first person waiting) O,
                       W, office_phone, office_id, title, title_en (the session's), expires_at;
                       the message's link is the offer's page (accept or decline)
    waiting_offer_expired  O, W, office_phone, office_id, title, title_en, expires_at
    waiting_closed     O, W, office_phone, office_id, title, title_en, why ("cancelled": the
                       session is cancelled; "closed": its booking closed), reason
    booking_to_move    O, W, office_phone, office_id, change_url (absolute: the person's
                       page to choose a new time; their booking is inside a counsellor's
                       absence or an office closure)

The e-mail that says a message is waiting (`notice`) has one parameter, `url`, and never
carries the message's content, an access code or a passcode.
"""

import datetime as dt
import logging
import re
from typing import NamedTuple

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

NOTICE = "notice"


class Rendered(NamedTuple):
    subject: str
    body: str


def reader_language(user) -> str:
    """The language a person reads their messages and e-mails in."""
    return supported_language(user.language if user is not None else "")


def supported_language(language: str | None) -> str:
    if not language:
        return settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return settings.LANGUAGE_CODE


def render_message(message, language: str | None = None) -> Rendered:
    """The subject and body of a mailbox message, in `language` (by default the language
    of the person it was written to)."""
    if not message.params and (message.subject or message.body):
        return Rendered(message.subject, message.body)  # written before templates
    language = supported_language(language) if language else reader_language(message.user)
    try:
        return render_texts(message.kind, message.params, language)
    except TemplateDoesNotExist:
        logger.exception("no template for messages of kind %r", message.kind)
        return Rendered(message.subject or message.get_kind_display(), message.body)


def render_subject(message, language: str | None = None) -> str:
    return render_message(message, language or translation.get_language()).subject


def render_notice(*, url: str, language: str) -> Rendered:
    """The e-mail that tells a person a message is waiting: a link, nothing else."""
    return render_texts(NOTICE, {"url": url}, supported_language(language))


def render_texts(name: str, params: dict, language: str) -> Rendered:
    context = _context(params)
    with translation.override(language):
        subject = _template(name, "subject", language).render(context)
        body = _template(name, "body", language).render(context)
    return Rendered(" ".join(subject.split()), _tidy(body))


def _template(name: str, part: str, language: str):
    candidates = [f"messages/{name}.{part}.txt"]
    if language != settings.LANGUAGE_CODE:
        candidates.insert(0, f"messages/{language}/{name}.{part}.txt")
    return select_template(candidates)


def _context(params: dict) -> dict:
    return {key: _value(key, value) for key, value in params.items()}


def _value(key: str, value):
    if key.endswith("_at") and isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    return value


_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Trailing spaces go, and the blank lines a left-out paragraph leaves become one."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines)
