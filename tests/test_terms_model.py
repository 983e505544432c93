"""Versions are immutable once published, in force by effective time, hashed; consents stay."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone, translation

from terms import selectors, services
from terms.errors import TermsError
from terms.models import Consent, PublishedVersionIsImmutable, TermsVersion, VersionStatus
from tests.factories import make_document, make_office, publish_historical

pytestmark = pytest.mark.django_db

TEXT_V1 = "## 第1条（目的）\n\nオンラインで相談します。\n"
TEXT_V2 = "## 第1条（目的）\n\nオンラインで職業相談をします。\n"


@pytest.fixture(autouse=True)
def english_messages():
    """Service errors are translated; these tests match the English wording."""
    with translation.override("en"):
        yield


@pytest.fixture
def document():
    return make_document(make_office())


def test_the_hash_is_the_sha256_of_the_exact_text(document):
    version = publish_historical(document, TEXT_V1)
    assert version.text_sha256 == hashlib.sha256(TEXT_V1.encode("utf-8")).hexdigest()
    assert TermsVersion.objects.get(pk=version.pk).text_sha256 == version.text_sha256


def test_a_published_version_cannot_be_edited(document):
    version = publish_historical(document, TEXT_V1)
    version.text = "書き換えた本文"
    with pytest.raises(PublishedVersionIsImmutable):
        version.save()
    assert TermsVersion.objects.get(pk=version.pk).text == TEXT_V1


def test_a_published_version_cannot_be_deleted(document):
    version = publish_historical(document, TEXT_V1)
    with pytest.raises(PublishedVersionIsImmutable):
        version.delete()
    assert TermsVersion.objects.filter(pk=version.pk).exists()


def test_a_draft_can_be_edited_until_it_is_published(document, admin_user):
    publish_historical(document, TEXT_V1)
    draft = services.create_draft(document=document, created_by=admin_user)
    assert draft.text == TEXT_V1  # prefilled from the newest text
    draft.text = TEXT_V2
    draft.change_summary = "目的を変更"
    draft.save()
    assert (
        TermsVersion.objects.get(pk=draft.pk).text_sha256
        == hashlib.sha256(TEXT_V2.encode()).hexdigest()
    )


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_change_or_delete_a_published_version(document):
    version = publish_historical(document, TEXT_V1)
    with pytest.raises(Exception, match="published and cannot change"), transaction.atomic():
        TermsVersion.objects.filter(pk=version.pk).update(text="raw update")
    with (
        pytest.raises(Exception, match="published and cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM terms_termsversion WHERE id = %s", [version.pk])
    assert TermsVersion.objects.get(pk=version.pk).text == TEXT_V1


def test_the_version_in_force_switches_exactly_at_the_effective_time(document, admin_user):
    v1 = publish_historical(document, TEXT_V1)
    start = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
    effective = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
        v2 = services.publish_version(
            version=draft, effective_at=effective, published_by=admin_user
        )
    with time_machine.travel(effective - dt.timedelta(microseconds=1), tick=False):
        assert selectors.version_in_force(document) == v1
        assert selectors.upcoming_version(document) == v2
    with time_machine.travel(effective, tick=False):
        assert selectors.version_in_force(document) == v2
        assert selectors.upcoming_version(document) is None


def test_publishing_with_an_effective_time_in_the_past_is_refused(document):
    publish_historical(document, TEXT_V1)
    draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
    with pytest.raises(TermsError, match="now or later"):
        services.publish_version(version=draft, effective_at=timezone.now() - dt.timedelta(hours=1))
    draft.refresh_from_db()
    assert draft.published_at is None and draft.effective_at is None


def test_publishing_an_empty_text_is_refused(document):
    draft = TermsVersion.objects.create(document=document, number=1, text="   \n")
    with pytest.raises(TermsError, match="must not be empty"):
        services.publish_version(version=draft)
    draft.refresh_from_db()
    assert draft.published_at is None


def test_publishing_a_revision_without_a_summary_is_refused(document):
    publish_historical(document, TEXT_V1)
    draft = services.create_draft(document=document, text=TEXT_V2)
    with pytest.raises(TermsError, match="summary"):
        services.publish_version(version=draft)
    assert not TermsVersion.objects.get(pk=draft.pk).is_published


def test_publishing_twice_is_refused(document):
    draft = services.create_draft(document=document, text=TEXT_V1)
    services.publish_version(version=draft)
    with pytest.raises(TermsError, match="already published"):
        services.publish_version(version=draft)


def test_a_second_draft_while_one_is_open_is_refused(document):
    services.create_draft(document=document, text=TEXT_V1)
    with pytest.raises(TermsError, match="already has an unpublished draft"):
        services.create_draft(document=document, text=TEXT_V2)
    assert document.versions.count() == 1


def test_a_duplicate_version_number_is_refused_by_the_database(document):
    publish_historical(document, TEXT_V1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TermsVersion.objects.create(document=document, number=1, text=TEXT_V2)


def test_two_versions_cannot_share_an_effective_time(document):
    v1 = publish_historical(document, TEXT_V1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TermsVersion.objects.create(
            document=document,
            number=2,
            text=TEXT_V2,
            published_at=v1.published_at,
            effective_at=v1.effective_at,
        )


def test_a_version_effective_before_the_newest_published_one_is_refused(document):
    publish_historical(document, TEXT_V1)
    draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
    services.publish_version(version=draft, effective_at=timezone.now() + dt.timedelta(days=10))
    third = services.create_draft(document=document, text=TEXT_V1 + "追記\n", change_summary="追記")
    with pytest.raises(TermsError, match="later than that of every published version"):
        services.publish_version(version=third, effective_at=timezone.now() + dt.timedelta(days=5))


def test_one_consent_per_user_and_version(document, make_user):
    user = make_user()
    version = publish_historical(document, TEXT_V1)
    first = services.record_consent(user=user, version=version, method=Consent.Method.EXPLICIT)
    again = services.record_consent(user=user, version=version, method=Consent.Method.EXPLICIT)
    assert first == again
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=user, version=version, method=Consent.Method.EXPLICIT)


def test_consent_to_a_draft_is_refused(document, make_user):
    draft = services.create_draft(document=document, text=TEXT_V1)
    with pytest.raises(TermsError):
        services.record_consent(user=make_user(), version=draft, method=Consent.Method.EXPLICIT)
    assert not Consent.objects.exists()


def test_consents_survive_retiring_the_document_and_block_deleting_it(document, make_user):
    user = make_user()
    version = publish_historical(document, TEXT_V1)
    services.record_consent(user=user, version=version, method=Consent.Method.DEEMED_BY_BOOKING)
    document.retired_at = timezone.now()
    document.save()
    assert Consent.objects.filter(user=user, version=version).count() == 1
    with pytest.raises(ProtectedError):
        document.delete()
    with pytest.raises(ProtectedError):
        user.delete()
    assert Consent.objects.filter(user=user, version=version).count() == 1


def test_a_versions_status_has_one_rule_for_the_page_and_the_filter(document, admin_user):
    v1 = publish_historical(document, TEXT_V1)
    start = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
    effective = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        draft = services.create_draft(document=document, text=TEXT_V2, change_summary="改定")
        assert selectors.version_status(draft) == VersionStatus.DRAFT
        v2 = services.publish_version(
            version=draft, effective_at=effective, published_by=admin_user
        )
        v3_draft = services.create_draft(document=document, text=TEXT_V2 + "追記\n")
    expected = {
        effective - dt.timedelta(seconds=1): {
            v1: VersionStatus.IN_FORCE,
            v2: VersionStatus.SCHEDULED,
            v3_draft: VersionStatus.DRAFT,
        },
        effective: {
            v1: VersionStatus.SUPERSEDED,
            v2: VersionStatus.IN_FORCE,
            v3_draft: VersionStatus.DRAFT,
        },
    }
    for moment, statuses in expected.items():
        with time_machine.travel(moment, tick=False):
            for version, status in statuses.items():
                assert selectors.version_status(version) == status
                assert list(
                    selectors.with_status(TermsVersion.objects.filter(document=document), status)
                ) == [v for v, s in statuses.items() if s == status]
