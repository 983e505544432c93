"""Mailbox messages and e-mails read in the reader's language, for every kind of message."""

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import DEFAULT_DB_ALIAS, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.messages import render_message
from accounts.models import Message, User
from accounts.services import post_message, post_new_messages
from bookings import services
from portal import dates
from portal.celery import app as celery_app
from terms import services as terms_services
from terms import tasks as terms_tasks
from terms.models import Consent
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_document,
    make_eligible,
    make_office,
    make_office_with_terms,
    make_slot,
    publish_historical,
)

pytestmark = pytest.mark.django_db

STARTS = jst(2026, 12, 3, 11)
ENDS = jst(2026, 12, 3, 11, 30)
WHEN_JA = "2026年12月3日（木）11:00〜11:30"
WHEN_EN = "Thu, 3 December 2026, 11:00–11:30"

JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
URL = re.compile(r"https?://\S+")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")

OFFICE = {
    "office_name": "苫小牧公共職業安定所",
    "office_name_en": "Hello Work Tomakomai",
    "office_phone": "0144-32-5221",
}
CONSULTATION = {**OFFICE, "starts_at": STARTS, "ends_at": ENDS}
SESSION = {
    **CONSULTATION,
    "office_id": 7,
    "title": "就職活動セミナー",
    "title_en": "Job-search seminar",
}

# Every kind with the parameters its callers pass, and what each language must say.
KINDS: dict[str, tuple[dict[str, Any], list[str], list[str]]] = {
    Message.Kind.GENERAL: (
        {
            "subject": "年末年始の休業のお知らせ",
            "body": "12月29日から1月3日まで、オンライン相談はお休みです。",
            "subject_en": "Closed over the New Year",
            "body_en": "There are no online consultations from 29 December to 3 January.",
        },
        ["年末年始の休業", "お休みです"],
        ["Closed over the New Year", "no online consultations"],
    ),
    Message.Kind.SUSPENDED: (
        {"reason": "利用規約第8条に該当", "suspended_at": STARTS},
        ["利用停止", "利用規約第8条に該当", "2026年12月3日（木）"],
        ["suspended", "Thu, 3 December 2026"],
    ),
    Message.Kind.BOOKING_REQUESTED: (
        CONSULTATION,
        ["予約申込みを受け付けました", WHEN_JA, "0144-32-5221", "2営業日"],
        ["request", WHEN_EN, "0144-32-5221", "2 business days"],
    ),
    Message.Kind.BOOKING_CONFIRMED: (
        CONSULTATION,
        ["予約が確定しました", WHEN_JA, "アクセスコード（ミーティングID・パスコード）"],
        ["confirmed", WHEN_EN, "access code"],
    ),
    Message.Kind.BOOKING_DECLINED: (
        {**CONSULTATION, "reason": "定員に達したため"},
        ["予約申込み", "お受けできませんでした", "定員に達したため", WHEN_JA],
        ["could not be accepted", WHEN_EN, "0144-32-5221"],
    ),
    Message.Kind.BOOKING_CANCELLED: (
        {**CONSULTATION, "reason": "ご本人からの電話", "by_staff": True},
        ["キャンセルしました", "ご本人からの電話", WHEN_JA],
        ["cancelled", WHEN_EN, "Hello Work Tomakomai"],
    ),
    Message.Kind.BOOKING_MOVED: (
        {
            **CONSULTATION,
            "old_starts_at": STARTS - dt.timedelta(days=2),
            "old_ends_at": ENDS - dt.timedelta(days=2),
            "confirmed": True,
        },
        ["変更前：2026年12月1日（火）11:00〜11:30", f"変更後：{WHEN_JA}", "アクセスコード"],
        ["Before: Tue, 1 December 2026, 11:00–11:30", f"Now: {WHEN_EN}", "new access code"],
    ),
    Message.Kind.ACCESS_CODE: (
        {**CONSULTATION, "terms_url": "http://testserver/offices/k/terms/", "minutes": 10},
        ["アクセスコード", WHEN_JA, "/offices/k/terms/", "録画・録音は禁止", "10分"],
        ["access code", WHEN_EN, "/offices/k/terms/", "Recording", "10 minutes"],
    ),
    Message.Kind.REMINDER: (
        CONSULTATION,
        ["明日", WHEN_JA, "マイページ"],
        ["tomorrow", WHEN_EN, "My Page"],
    ),
    Message.Kind.NO_SHOW: (
        {**CONSULTATION, "minutes": 10},
        ["無断キャンセル（開始10分経過）", WHEN_JA, "0144-32-5221"],
        ["no-show", WHEN_EN, "10 minutes"],
    ),
    Message.Kind.TERMS_REVISION: (
        {
            "title": "オンライン職業相談利用規約",
            "title_en": "Terms of use for online job counselling",
            "number": 2,
            "effective_at": jst(2026, 12, 3, 10),
            "summary": "第1条の目的を変更しました。",
            "summary_en": "Article 1 (purpose) has changed.",
            "diff_url": "http://testserver/offices/k/terms/t/diff/?from=1&to=2",
        },
        ["第2版", "施行日時：令和8年12月3日 10:00", "第1条の目的を変更しました。", "diff/?from=1"],
        ["version 2", "3 December 2026 (Reiwa 8), 10:00", "Article 1", "diff/?from=1"],
    ),
    Message.Kind.REQUEST_EXPIRED: (
        {**CONSULTATION, "office_id": 7},
        ["予約申込みの期限切れ", WHEN_JA, "0144-32-5221"],
        ["expired", WHEN_EN, "0144-32-5221"],
    ),
    Message.Kind.REQUEST_OVERDUE: (
        {**CONSULTATION, "office_id": 7, "answer_by_at": jst(2026, 11, 30, 17)},
        ["2026年11月30日（月）17:00までに", WHEN_JA, "お電話ください"],
        ["by Mon, 30 November 2026, 17:00", WHEN_EN, "phone"],
    ),
    Message.Kind.REQUEST_OVERDUE_STAFF: (
        {
            **CONSULTATION,
            "office_id": 7,
            "booking_id": 42,
            "full_name": "山田 花子",
            "full_name_kana": "ヤマダ ハナコ",
            "requested_at": jst(2026, 11, 26, 9, 15),
            "answer_by_at": jst(2026, 11, 30, 17),
            "admin_url": "http://testserver/admin/bookings/booking/42/change/",
        },
        [
            "未回答",
            "予約番号：42",
            "山田 花子（ヤマダ ハナコ）",
            WHEN_JA,
            "2026年11月26日（木）9:15",
        ],
        ["unanswered", "Booking: 42", WHEN_EN, "Thu, 26 November 2026, 9:15", "/admin/"],
    ),
    Message.Kind.WAITING_OFFER: (
        {**SESSION, "expires_at": jst(2026, 12, 1, 15)},
        ["キャンセル待ち", WHEN_JA, "「就職活動セミナー」", "2026年12月1日（火）15:00まで", "辞退"],
        ["A seat is free", WHEN_EN, "“Job-search seminar”", "until Tue, 1 December 2026, 15:00"],
    ),
    Message.Kind.WAITING_OFFER_EXPIRED: (
        {**SESSION, "expires_at": jst(2026, 12, 1, 15)},
        ["期限", WHEN_JA, "次の方", "0144-32-5221"],
        ["expired", WHEN_EN, "next person waiting", "0144-32-5221"],
    ),
    Message.Kind.WAITING_CLOSED: (
        {**SESSION, "why": "cancelled", "reason": "講師の急病のため"},
        ["中止", "キャンセル待ちを終了", "講師の急病のため", WHEN_JA],
        ["cancelled", "waiting list is closed", WHEN_EN, "Hello Work Tomakomai"],
    ),
    Message.Kind.BOOKING_TO_MOVE: (
        {
            **CONSULTATION,
            "office_id": 7,
            "change_url": "http://testserver/me/bookings/42/change/",
        },
        ["相談員の不在", WHEN_JA, "/me/bookings/42/change/", "予約はそのまま残ります"],
        ["counsellor is away", WHEN_EN, "/me/bookings/42/change/", "stays as it is"],
    ),
}


# Shown as written whatever the reader's language: staff's own words, people's names.
FREE_TEXT = ("reason", "full_name", "full_name_kana")


def without_free_text(kind, text: str) -> str:
    params = KINDS[kind][0]
    for key in FREE_TEXT:
        if params.get(key):
            assert params[key] in text, f"{key} is shown as written"
            text = text.replace(params[key], "")
    return text


def message_for(user, kind, **fields) -> Message:
    params, _ja, _en = KINDS[kind]
    return Message.objects.create(user=user, kind=kind, params=params, **fields)


def reloaded(message: Message) -> Message:
    """As the mailbox reads it: the parameters back from the database (dates as text)."""
    return Message.objects.select_related("user").get(pk=message.pk)


def assert_english(text: str) -> None:
    assert text.strip()
    assert not JAPANESE.search(text), f"Japanese in an English text: {text!r}"


def assert_japanese(text: str) -> None:
    assert JAPANESE.search(text)
    words = ENGLISH_WORD.findall(URL.sub("", text))
    assert not words, f"English in a Japanese text: {words}"


def test_every_kind_of_message_is_covered_here():
    assert set(KINDS) == set(Message.Kind.values)


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_english_reader_reads_every_kind_in_english(make_user, kind):
    user = make_user("en@example.jp", language="en")
    subject, body = render_message(reloaded(message_for(user, kind)))
    assert_english(subject)
    assert_english(without_free_text(kind, body))
    for fragment in KINDS[kind][2]:
        assert fragment in subject + "\n" + body


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_japanese_reader_reads_every_kind_in_japanese(make_user, kind):
    user = make_user("ja@example.jp")  # language not chosen: Japanese, the default
    subject, body = render_message(reloaded(message_for(user, kind)))
    assert_japanese(subject)
    assert_japanese(body)
    for fragment in KINDS[kind][1]:
        assert fragment in subject + "\n" + body


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_message_renders_in_the_language_asked_for_whoever_it_was_written_to(make_user, kind):
    message = reloaded(message_for(make_user("ja@example.jp"), kind))
    subject, body = render_message(message, "en")
    assert_english(subject)
    assert_english(without_free_text(kind, body))


@pytest.mark.parametrize(
    ("language", "check", "says"),
    [
        ("en", assert_english, "with Hello Work Tomakomai has been suspended"),
        ("", assert_japanese, "苫小牧公共職業安定所でのオンライン相談の利用を停止しました"),
    ],
)
def test_a_suspension_at_one_office_names_the_office_in_each_language(
    make_user, language, check, says
):
    user = make_user(language=language)
    params = {**OFFICE, "office_id": 7, "reason": "Rule 8", "suspended_at": STARTS}
    message = Message.objects.create(user=user, kind=Message.Kind.SUSPENDED, params=params)
    subject, body = render_message(reloaded(message))
    check(subject)
    check(body.replace("Rule 8", ""))
    assert says in body and "0144-32-5221" in body
    assert "Hello Work Tomakomai" in subject or "苫小牧公共職業安定所" in subject


def test_an_office_without_an_english_name_is_named_in_japanese_in_english_texts(make_user):
    user = make_user(language="en")
    params = {**CONSULTATION, "office_name_en": ""}
    message = Message.objects.create(user=user, kind=Message.Kind.REMINDER, params=params)
    subject, body = render_message(reloaded(message))
    assert "苫小牧公共職業安定所" in subject
    assert_english(body.replace("苫小牧公共職業安定所", ""))


def test_text_templates_do_not_html_escape_and_the_mailbox_page_does(client, make_user):
    user = make_user()
    message = Message.objects.create(
        user=user,
        kind=Message.Kind.BOOKING_DECLINED,
        params={**CONSULTATION, "reason": "A & B <b>"},
    )
    assert "理由：A & B <b>" in render_message(reloaded(message)).body
    client.force_login(user)
    page = client.get(reverse("message_detail", args=[message.pk])).content.decode()
    assert "A &amp; B &lt;b&gt;" in page
    assert "<b>" not in page


# --- the mailbox pages ---------------------------------------------------------------


def read_mailbox(client, language: str, path: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path).content.decode()


def test_the_mailbox_list_shows_each_message_in_the_language_of_the_page(client, make_user):
    user = make_user()
    for kind in (Message.Kind.BOOKING_CONFIRMED, Message.Kind.NO_SHOW):
        message_for(user, kind)
    client.force_login(user)
    english = read_mailbox(client, "en", reverse("message_list"))
    assert "Booking confirmed (Hello Work Tomakomai)" in english
    assert "Booking cancelled as a no-show (Hello Work Tomakomai)" in english
    assert "予約が確定しました" not in english
    japanese = read_mailbox(client, "ja", reverse("message_list"))
    assert "予約が確定しました（苫小牧公共職業安定所）" in japanese
    assert "無断キャンセル（開始10分経過）のお知らせ（苫小牧公共職業安定所）" in japanese
    assert "Booking confirmed (Hello Work" not in japanese


def test_a_message_page_shows_the_message_in_the_language_of_the_page(client, make_user):
    user = make_user()
    message = message_for(user, Message.Kind.BOOKING_REQUESTED)
    client.force_login(user)
    path = reverse("message_detail", args=[message.pk])
    english = read_mailbox(client, "en", path)
    assert f"Requested time: {WHEN_EN} (Japan time)" in english
    assert "希望日時" not in english
    japanese = read_mailbox(client, "ja", path)
    assert f"希望日時：{WHEN_JA}" in japanese
    assert "Requested time" not in japanese


# --- messages written before templates ---------------------------------------------------


def test_an_old_message_shows_its_stored_text_in_either_language(client, make_user):
    user = make_user(language="en")
    old = Message.objects.create(
        user=user,
        kind=Message.Kind.BOOKING_CONFIRMED,
        subject="予約が確定しました（旧窓口）",
        body="旧形式の本文です。\n\nYour booking is confirmed.",
    )
    for language in ("ja", "en", None):
        assert render_message(reloaded(old), language) == (old.subject, old.body)
    client.force_login(user)
    page = read_mailbox(client, "en", reverse("message_detail", args=[old.pk]))
    assert "予約が確定しました（旧窓口）" in page
    assert "旧形式の本文です。" in page
    assert "予約が確定しました（旧窓口）" in read_mailbox(client, "en", reverse("message_list"))


# --- the e-mail that says a message is waiting -------------------------------------------


SECRET = "834201"  # stands for a passcode: it may be in the mailbox, never in an e-mail


def post_secret_message(user) -> Message:
    message = post_message(
        user=user,
        kind=Message.Kind.GENERAL,
        params={
            "subject": "パスコードのお知らせ",
            "body": f"パスコード: {SECRET}",
            "subject_en": "Your passcode",
            "body_en": f"Passcode: {SECRET}",
        },
    )
    assert message is not None
    return message


@pytest.mark.parametrize(
    ("language", "check", "says"),
    [
        ("en", assert_english, "A new message has arrived"),
        ("", assert_japanese, "新しいメッセージが届いています"),
    ],
)
def test_the_notice_email_is_in_the_recipients_language_and_carries_only_a_link(
    make_user, django_capture_on_commit_callbacks, language, check, says
):
    user = make_user(language=language)
    with django_capture_on_commit_callbacks(execute=True):
        message = post_secret_message(user)
    (email,) = mail.outbox
    assert email.to == [user.email]
    check(email.subject)
    check(email.body)
    assert says in email.body
    assert settings.SITE_URL + reverse("message_detail", args=[message.pk]) in email.body
    assert SECRET not in str(email.subject) + email.body
    subject, _body = render_message(reloaded(message))
    assert subject not in str(email.subject) + email.body


def test_the_notice_of_a_bulk_delivery_looks_the_language_up_when_it_was_not_loaded(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("bulk@example.jp", language="en")
    partial_user = User.from_db(DEFAULT_DB_ALIAS, ["id", "email"], [user.pk, user.email])
    with django_capture_on_commit_callbacks(execute=True):
        post_new_messages(
            [Message(user=partial_user, kind=Message.Kind.REMINDER, params=CONSULTATION)]
        )
    (email,) = mail.outbox
    assert_english(str(email.subject))
    assert_english(str(email.body))


# --- remembering the language a person chose ----------------------------------------------


def user_updates(queries) -> list[str]:
    table = '"accounts_user"'
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and table in q["sql"]]


def test_choosing_english_is_remembered_and_the_next_notice_is_english(
    client, make_user, django_capture_on_commit_callbacks
):
    user = make_user()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("set_language"), {"language": "en", "next": "/me/"})
    assert response.status_code == 302
    assert len(user_updates(queries.captured_queries)) == 1
    user.refresh_from_db()
    assert user.language == "en"

    with django_capture_on_commit_callbacks(execute=True):
        post_message(user=user, kind=Message.Kind.REMINDER, params=CONSULTATION)
    (email,) = mail.outbox
    assert_english(str(email.subject))
    assert_english(str(email.body))


def test_choosing_japanese_again_is_remembered(client, make_user):
    user = make_user(language="en")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "ja", "next": "/me/"})
    user.refresh_from_db()
    assert user.language == "ja"


def test_a_request_in_the_language_already_remembered_writes_nothing(client, make_user):
    user = make_user(language="en")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("message_list")).status_code == 200
    assert user_updates(queries.captured_queries) == []


def test_a_language_chosen_before_signing_in_is_remembered_at_the_first_signed_in_request(
    client, make_user
):
    user = make_user()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # chosen on the sign-up page
    client.force_login(user)
    client.get(reverse("message_list"))
    user.refresh_from_db()
    assert user.language == "en"


def test_the_browsers_language_is_kept_for_a_person_who_never_chose(client, make_user):
    user = make_user()
    client.force_login(user)
    client.get(reverse("message_list"), headers={"accept-language": "en"})
    user.refresh_from_db()
    assert user.language == "en"


def test_the_browsers_language_never_overrides_a_choice(client, make_user):
    user = make_user(language="ja")
    client.force_login(user)
    client.get(reverse("message_list"), headers={"accept-language": "en"})
    user.refresh_from_db()
    assert user.language == "ja"


# --- the services that write messages here ----------------------------------------------


@pytest.mark.parametrize("language", ["en", ""])
def test_a_suspended_person_is_told_in_their_language(
    make_user, admin_user, language, django_capture_on_commit_callbacks
):
    person = make_user("person@example.jp", language=language)
    from bookings.services import suspend_person

    with django_capture_on_commit_callbacks(execute=True):
        suspension = suspend_person(user=person, office=None, actor=admin_user, reason="Rule 8")
    message = reloaded(person.messages.get(kind=Message.Kind.SUSPENDED))
    subject, body = render_message(message)
    with translation.override(language or "ja"):
        day = dates.jdate(suspension.suspended_at)
    assert day in body and "Rule 8" in body
    if language == "en":
        assert_english(subject + body)
    else:
        assert "利用停止" in subject
        assert JAPANESE.search(body)
    (email,) = mail.outbox
    (assert_english if language == "en" else assert_japanese)(str(email.body))


def test_the_terms_revision_notice_reads_in_each_readers_language(
    make_user, django_capture_on_commit_callbacks
):
    office = make_office("k")
    document = make_document(office)
    document.title, document.title_en = "オンライン相談利用規約", "Online consultation terms"
    document.save()
    v1 = publish_historical(document, "## 第1条\n\n規約です。\n")
    english, japanese = make_user("en@example.jp", language="en"), make_user("ja@example.jp")
    for user in (english, japanese):
        Consent.objects.create(user=user, version=v1, method=Consent.Method.EXPLICIT)
    draft = terms_services.create_draft(
        document=document, text="## 第1条\n\n新しい規約です。\n", change_summary="第1条を変更"
    )
    draft.change_summary_en = "Article 1 changes"
    draft.save()
    effective = timezone.now() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=False):
        v2 = terms_services.publish_version(version=draft, effective_at=effective)
    with django_capture_on_commit_callbacks(execute=True):
        assert terms_services.notify_revision(version_id=v2.pk) == 2

    en_subject, en_body = render_message(reloaded(english.messages.get()))
    assert_english(en_subject + en_body)
    with translation.override("en"):
        assert f"Takes effect: {dates.wareki(effective)}, {dates.jtime(effective)}" in en_body
    assert "Online consultation terms" in en_subject and "Article 1 changes" in en_body
    ja_subject, ja_body = render_message(reloaded(japanese.messages.get()))
    assert "オンライン相談利用規約 第2版" in ja_subject
    with translation.override("ja"):
        assert f"施行日時：{dates.wareki(effective)} {dates.jtime(effective)}" in ja_body
    assert "第1条を変更" in ja_body and "/offices/k/terms/" in ja_body
    emails = {email.to[0]: email for email in mail.outbox}
    assert_english(str(emails["en@example.jp"].body))
    assert_japanese(str(emails["ja@example.jp"].body))


def test_the_terms_tasks_keep_their_names_for_queued_jobs_and_the_beat_schedule():
    assert terms_tasks.notify_terms_revision is terms_services.notify_terms_revision
    assert terms_tasks.notify_terms_revision.name == "terms.tasks.notify_terms_revision"
    assert (
        terms_tasks.sweep_terms_revision_notices.name == "terms.tasks.sweep_terms_revision_notices"
    )
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "terms.tasks.sweep_terms_revision_notices" in scheduled
    assert "terms.tasks.sweep_terms_revision_notices" in celery_app.tasks
    assert "terms.tasks.notify_terms_revision" in celery_app.tasks


# --- what the booking services write, end to end ----------------------------------------


@pytest.mark.parametrize(
    ("language", "check", "reason"),
    [("en", assert_english, "The person phoned"), ("", assert_japanese, "ご本人から電話")],
)
def test_every_message_the_booking_services_write_reads_in_the_persons_language(
    make_user, django_capture_on_commit_callbacks, language, check, reason
):
    office = make_office_with_terms(
        slug="k", municipality_codes=["01213"], requires_counsellor_confirmation=True
    )
    counsellor = make_counsellor(office)
    person = make_eligible(make_user("person@example.jp", language=language), office)
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(jst(2026, 11, 24, 15), tick=False):
            first = book(office, person, make_slot(office, counsellor, jst(2026, 11, 26, 10)))
            services.confirm_booking(booking=first, actor=counsellor.user)
            services.issue_room(booking_id=first.pk)
        with time_machine.travel(jst(2026, 11, 25, 10, 5), tick=False):
            assert services.send_reminders() == 1
            later = make_slot(office, counsellor, jst(2026, 11, 27, 11))
            services.move_booking(booking=first, slot_id=later.pk, actor=counsellor.user)
            services.cancel_booking(
                booking=first, actor=counsellor.user, reason=reason, on_behalf=True
            )
            second = book(office, person, make_slot(office, counsellor, jst(2026, 11, 30, 14)))
            services.decline_booking(booking=second, actor=counsellor.user, reason=reason)
            third = book(office, person, make_slot(office, counsellor, jst(2026, 12, 3, 11)))
            services.confirm_booking(booking=third, actor=counsellor.user)
        with time_machine.travel(jst(2026, 12, 3, 11, 10), tick=False):
            assert services.sweep_no_shows() == 1

    kinds = set()
    for message in Message.objects.filter(user=person).select_related("user"):
        assert not message.subject and not message.body, "stored as kind and parameters"
        subject, body = render_message(reloaded(message))
        check(subject)
        check(body.replace(reason, ""))
        kinds.add(message.kind)
    assert kinds == {
        Message.Kind.BOOKING_REQUESTED,
        Message.Kind.BOOKING_CONFIRMED,
        Message.Kind.ACCESS_CODE,
        Message.Kind.REMINDER,
        Message.Kind.BOOKING_MOVED,
        Message.Kind.BOOKING_CANCELLED,
        Message.Kind.BOOKING_DECLINED,
        Message.Kind.NO_SHOW,
    }
    no_show = render_message(person.messages.get(kind=Message.Kind.NO_SHOW))
    when = WHEN_EN if language == "en" else WHEN_JA
    assert when in no_show.body  # the third booking: 3 December 2026, 11:00–11:30
    moved = person.messages.get(kind=Message.Kind.BOOKING_MOVED)
    assert moved.params["confirmed"] is True
    assert reason in render_message(person.messages.get(kind=Message.Kind.BOOKING_DECLINED)).body
    assert len(mail.outbox) == Message.objects.filter(user=person).count()
    for email in mail.outbox:
        check(email.subject)
        check(email.body)
