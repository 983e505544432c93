"""Users read, agree and re-agree; staff publish; earlier consenters are told once."""

import csv
import datetime as dt
import io
from http import HTTPStatus

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.messages import render_message
from accounts.models import Message
from bookings.views.terms import require_current_consent
from terms import services
from terms.models import Consent, TermsVersion
from terms.tasks import notify_terms_revision
from tests.factories import make_document, make_office, publish_historical

pytestmark = pytest.mark.django_db

TEXT_V1 = "## 第1条（目的）\n\nオンラインで相談します。\n\n## 第2条\n\n予約は前日までです。\n"
TEXT_V2 = "## 第1条（目的）\n\nオンラインで職業相談をします。\n\n## 第2条\n\n予約は前日までです。\n"


@pytest.fixture
def office():
    return make_office(slug="tomakomai-test", name="テスト窓口", name_en="Test office")


@pytest.fixture
def document(office):
    return make_document(office, slug="consultation")


@pytest.fixture
def v1(document):
    return publish_historical(
        document,
        TEXT_V1,
        effective_at=dt.datetime(2024, 7, 11, tzinfo=dt.UTC) + dt.timedelta(hours=-9),
    )


def publish_v2(document, *, summary="第1条の目的を変更しました。"):
    draft = services.create_draft(document=document, text=TEXT_V2, change_summary=summary)
    return services.publish_version(version=draft)


# --- the terms page -------------------------------------------------------------------


def test_the_terms_page_shows_the_version_in_force_with_the_japanese_era(client, office, v1):
    response = client.get("/offices/tomakomai-test/terms/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "令和6年7月11日" in html
    assert "オンラインで相談します。" in html
    assert "第1版" in html or "Version 1" in html


def test_the_terms_page_lists_earlier_versions_and_links_a_diff(client, office, document, v1):
    publish_v2(document)
    html = client.get("/offices/tomakomai-test/terms/").content.decode()
    assert "/offices/tomakomai-test/terms/consultation/v1/" in html
    assert "/offices/tomakomai-test/terms/consultation/diff/?from=1&amp;to=2" in html


def test_the_diff_marks_removed_and_added_lines(client, office, document, v1):
    publish_v2(document)
    response = client.get("/offices/tomakomai-test/terms/consultation/diff/?from=1&to=2")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<del>" in html and "オンラインで相談します。" in html
    assert "<ins>" in html and "オンラインで職業相談をします。" in html
    assert "第1条の目的を変更しました。" in html


def test_a_diff_of_unknown_versions_falls_back_with_a_message(client, office, document, v1):
    publish_v2(document)
    response = client.get("/offices/tomakomai-test/terms/consultation/diff/?from=abc&to=99")
    assert response.status_code == HTTPStatus.OK
    assert "比較する2つの版を選んでください" in response.content.decode()


def test_a_draft_is_never_shown_to_users(client, office, document, v1):
    services.create_draft(document=document, text="下書き本文です")
    assert client.get("/offices/tomakomai-test/terms/consultation/v2/").status_code == 404
    assert "下書き本文です" not in client.get("/offices/tomakomai-test/terms/").content.decode()


def test_another_offices_document_answers_404(client, office, v1):
    other = make_office(slug="elsewhere")
    make_document(other, slug="their-terms")
    assert client.get("/offices/tomakomai-test/terms/their-terms/v1/").status_code == 404
    assert client.get("/offices/elsewhere/terms/consultation/v1/").status_code == 404


# --- consenting -----------------------------------------------------------------------


def test_consent_records_the_time_ip_and_user_agent(client, make_user, office, v1):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/offices/tomakomai-test/terms/consent/",
        {"version": v1.pk, "agree": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) テスト",
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == HTTPStatus.FOUND
    consent = Consent.objects.get(user=user)
    assert consent.version == v1
    assert consent.method == Consent.Method.EXPLICIT
    assert consent.ip_address == "203.0.113.7"
    assert consent.user_agent == "Mozilla/5.0 (iPhone) テスト"
    assert abs(consent.consented_at - timezone.now()) < dt.timedelta(seconds=10)


def test_consent_without_ticking_the_box_changes_nothing(client, make_user, office, v1):
    client.force_login(make_user())
    response = client.post(
        "/offices/tomakomai-test/terms/consent/", {"version": v1.pk}, follow=True
    )
    assert "同意する場合はチェックを入れてください" in response.content.decode()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("bad", ["", "abc", "999999", "-1"])
def test_consent_to_a_version_that_is_not_this_offices_changes_nothing(
    client, make_user, office, v1, bad
):
    client.force_login(make_user())
    response = client.post(
        "/offices/tomakomai-test/terms/consent/", {"version": bad, "agree": "on"}, follow=True
    )
    assert response.status_code == HTTPStatus.OK
    assert not Consent.objects.exists()


def test_consent_to_another_offices_version_changes_nothing(client, make_user, office, v1):
    other = make_office(slug="elsewhere")
    theirs = publish_historical(make_document(other), "他の窓口の規約")
    client.force_login(make_user())
    client.post("/offices/tomakomai-test/terms/consent/", {"version": theirs.pk, "agree": "on"})
    assert not Consent.objects.exists()


def test_consent_needs_a_signed_in_user(client, office, v1):
    response = client.post(
        "/offices/tomakomai-test/terms/consent/", {"version": v1.pk, "agree": "on"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]
    assert not Consent.objects.exists()


def test_consent_returns_to_the_page_the_user_came_from(client, make_user, office, v1):
    client.force_login(make_user())
    response = client.post(
        "/offices/tomakomai-test/terms/consent/",
        {"version": v1.pk, "agree": "on", "next": "/offices/tomakomai-test/"},
    )
    assert response["Location"] == "/offices/tomakomai-test/"


def test_consent_never_redirects_to_another_site(client, make_user, office, v1):
    client.force_login(make_user())
    response = client.post(
        "/offices/tomakomai-test/terms/consent/",
        {"version": v1.pk, "agree": "on", "next": "https://evil.example/"},
    )
    assert "evil.example" not in response["Location"]


def test_my_page_shows_which_version_was_agreed_and_when(client, make_user, office, v1):
    user = make_user()
    services.record_consent(user=user, version=v1, method=Consent.Method.EXPLICIT)
    client.force_login(user)
    html = client.get("/me/").content.decode()
    assert "テスト窓口" in html
    assert "/offices/tomakomai-test/terms/consultation/v1/" in html
    assert f"{timezone.localtime().year}年" in html


# --- the gate -------------------------------------------------------------------------


def gated_request(user, path="/offices/tomakomai-test/book/?slot=5"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    # Where MessageMiddleware keeps the storage: an attribute HttpRequest does not declare.
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


@require_current_consent
def protected_view(request, slug):
    return HttpResponse("booking form")


def test_the_gate_lets_a_user_with_current_consent_through(make_user, office, v1):
    user = make_user()
    services.record_consent(user=user, version=v1, method=Consent.Method.EXPLICIT)
    response = protected_view(gated_request(user), slug="tomakomai-test")
    assert response.content == b"booking form"


def test_the_gate_sends_a_user_without_consent_to_the_terms_and_back(make_user, office, v1):
    response = protected_view(gated_request(make_user()), slug="tomakomai-test")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == (
        "/offices/tomakomai-test/terms/?next=%2Foffices%2Ftomakomai-test%2Fbook%2F%3Fslot%3D5"
    )


def test_the_gate_sends_an_outdated_user_to_re_consent_then_back(
    client, make_user, office, document, v1
):
    user = make_user()
    services.record_consent(user=user, version=v1, method=Consent.Method.EXPLICIT)
    v2 = publish_v2(document)
    response = protected_view(gated_request(user), slug="tomakomai-test")
    assert response.status_code == HTTPStatus.FOUND
    terms_url = response["Location"]

    client.force_login(user)
    page = client.get(terms_url).content.decode()
    assert "第1条の目的を変更しました。" in page  # the summary of what changed
    assert "?from=1&amp;to=2" in page  # and a link to the diff
    response = client.post(
        "/offices/tomakomai-test/terms/consent/",
        {"version": v2.pk, "agree": "on", "next": "/offices/tomakomai-test/book/?slot=5"},
    )
    assert response["Location"] == "/offices/tomakomai-test/book/?slot=5"
    assert protected_view(gated_request(user), slug="tomakomai-test").content == b"booking form"


def test_the_gate_sends_an_anonymous_user_to_sign_in(office, v1):
    from django.contrib.auth.models import AnonymousUser

    response = protected_view(gated_request(AnonymousUser()), slug="tomakomai-test")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")


# --- the revision notice ----------------------------------------------------------------


def test_the_notice_reaches_exactly_the_users_of_earlier_versions_once(
    make_user, office, document, v1, django_capture_on_commit_callbacks
):
    alice, bob, carol, dave = (
        make_user(f"{n}@example.jp") for n in ("alice", "bob", "carol", "dave")
    )
    for user in (alice, bob):
        services.record_consent(user=user, version=v1, method=Consent.Method.EXPLICIT)
    other = publish_historical(make_document(make_office()), "別の規約")
    services.record_consent(user=dave, version=other, method=Consent.Method.EXPLICIT)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        v2 = publish_v2(document)
    assert callbacks, "publishing enqueues the notice after commit"

    with django_capture_on_commit_callbacks(execute=True):
        notify_terms_revision.apply(args=(v2.pk,))
        notify_terms_revision.apply(args=(v2.pk,))  # run again: nobody gets a second one
        services.sweep_revision_notices()

    notices = Message.objects.filter(kind=Message.Kind.TERMS_REVISION)
    assert sorted(notices.values_list("user__email", flat=True)) == [
        "alice@example.jp",
        "bob@example.jp",
    ]
    body = render_message(notices.first()).body
    assert "第1条の目的を変更しました。" in body
    assert "diff/?from=1&to=2" in body
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.jp", "bob@example.jp"]
    assert all("パスコード" not in m.body.split("このメールには")[0] for m in mail.outbox)
    assert carol.messages.count() == 0 and dave.messages.count() == 0


def test_a_user_who_already_agreed_to_the_new_version_is_not_told(make_user, document, v1):
    user = make_user()
    services.record_consent(user=user, version=v1, method=Consent.Method.EXPLICIT)
    draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
    v2 = services.publish_version(version=draft, effective_at=timezone.now() + dt.timedelta(days=3))
    services.record_consent(user=user, version=v2, method=Consent.Method.EXPLICIT)
    assert services.notify_revision(version_id=v2.pk) == 0


# --- staff in admin -----------------------------------------------------------------------


def test_staff_draft_and_publish_through_the_admin_with_a_confirmation(
    admin_client, office, document, v1
):
    response = admin_client.post(
        "/admin/terms/termsdocument/",
        {"action": "draft_new_version", "_selected_action": [document.pk]},
    )
    draft = document.versions.get(number=2)
    assert response["Location"] == f"/admin/terms/termsversion/{draft.pk}/change/"
    assert draft.text == TEXT_V1 and not draft.is_published

    change = admin_client.get(f"/admin/terms/termsversion/{draft.pk}/change/")
    assert change.status_code == HTTPStatus.OK
    draft.text, draft.change_summary = TEXT_V2, "目的を変更"
    draft.save()

    confirm = admin_client.post(
        "/admin/terms/termsversion/", {"action": "publish", "_selected_action": [draft.pk]}
    )
    assert confirm.status_code == HTTPStatus.OK
    assert "オンラインで職業相談をします。" in confirm.content.decode()  # the diff is shown
    draft.refresh_from_db()
    assert not draft.is_published  # nothing happens before the confirmation

    effective = timezone.localtime() + dt.timedelta(days=2)
    admin_client.post(
        "/admin/terms/termsversion/",
        {
            "action": "publish",
            "_selected_action": [draft.pk],
            "confirm": "yes",
            "effective_at": effective.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    draft.refresh_from_db()
    assert draft.is_published
    assert timezone.localtime(draft.effective_at).strftime("%Y-%m-%d %H:%M") == effective.strftime(
        "%Y-%m-%d %H:%M"
    )


def test_publishing_in_the_past_through_the_admin_is_refused_with_a_message(
    admin_client, document, v1
):
    draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
    past = timezone.localtime() - dt.timedelta(days=1)
    response = admin_client.post(
        "/admin/terms/termsversion/",
        {
            "action": "publish",
            "_selected_action": [draft.pk],
            "confirm": "yes",
            "effective_at": past.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    assert "施行日時は現在以降にしてください" in response.content.decode()
    assert not TermsVersion.objects.get(pk=draft.pk).is_published


def test_the_admin_cannot_edit_or_delete_a_published_version(admin_client, v1):
    response = admin_client.post(
        f"/admin/terms/termsversion/{v1.pk}/change/",
        {"text": "書き換え", "change_summary": "x"},
    )
    assert TermsVersion.objects.get(pk=v1.pk).text == TEXT_V1
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.OK)
    response = admin_client.post(f"/admin/terms/termsversion/{v1.pk}/delete/", {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert TermsVersion.objects.filter(pk=v1.pk).exists()


def test_consents_are_read_only_in_admin_and_export_as_csv(admin_client, make_user, v1):
    user = make_user()
    consent = services.record_consent(
        user=user, version=v1, method=Consent.Method.EXPLICIT, ip_address="198.51.100.1"
    )
    assert admin_client.get("/admin/terms/consent/").status_code == HTTPStatus.OK
    assert admin_client.get("/admin/terms/consent/add/").status_code == HTTPStatus.FORBIDDEN
    assert (
        admin_client.post(f"/admin/terms/consent/{consent.pk}/delete/", {"post": "yes"}).status_code
        == HTTPStatus.FORBIDDEN
    )
    response = admin_client.post(
        "/admin/terms/consent/", {"action": "export_csv", "_selected_action": [consent.pk]}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["user", "document", "version"]
    assert rows[1][0] == user.email and rows[1][2] == "1" and rows[1][3] == v1.text_sha256
    assert rows[1][6] == "198.51.100.1"
    assert Consent.objects.count() == 1
