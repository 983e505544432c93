"""Consents are evidence: once recorded, no code path and no SQL changes or deletes one."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError
from django.utils import translation

from terms import services
from terms.models import Consent, ConsentIsEvidence, PublishedVersionIsImmutable
from tests.factories import make_document, make_office, publish_historical

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def version():
    return publish_historical(make_document(make_office()), "## 第1条\n\n相談します。\n")


@pytest.fixture
def consent(make_user, version):
    return services.record_consent(
        user=make_user(),
        version=version,
        method=Consent.Method.EXPLICIT,
        ip_address="198.51.100.7",
        user_agent=UA,
    )


def stored(consent: Consent) -> tuple:
    row = Consent.objects.get(pk=consent.pk)
    return (
        row.user_id,
        row.version_id,
        row.method,
        row.consented_at,
        row.ip_address,
        row.user_agent,
    )


def test_a_consent_is_recorded_once_and_a_second_call_returns_it(make_user, version):
    user = make_user()
    first = services.record_consent(user=user, version=version, method=Consent.Method.EXPLICIT)
    again = services.record_consent(
        user=user, version=version, method=Consent.Method.DEEMED_BY_BOOKING
    )
    assert again.pk == first.pk and again.method == Consent.Method.EXPLICIT
    assert Consent.objects.filter(user=user).count() == 1


def test_creating_a_consent_through_the_orm_still_works(make_user, version):
    consent = Consent.objects.create(
        user=make_user(), version=version, method=Consent.Method.EXPLICIT
    )
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_saving_a_changed_consent_is_refused(consent):
    before = stored(consent)
    consent.user_agent = "forged"
    consent.method = Consent.Method.DEEMED_BY_BOOKING
    with pytest.raises(ConsentIsEvidence, match="cannot be changed or deleted"):
        consent.save()
    with pytest.raises(ConsentIsEvidence):
        consent.save(update_fields=["user_agent"])
    assert stored(consent) == before


def test_a_new_instance_with_an_existing_id_does_not_overwrite_the_row(consent):
    before = stored(consent)
    forged = Consent(
        pk=consent.pk,
        user_id=consent.user_id,
        version_id=consent.version_id,
        method=Consent.Method.DEEMED_BY_BOOKING,
        user_agent="forged",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()  # an INSERT, never an UPDATE of the existing row
    assert stored(consent) == before


def test_deleting_a_consent_is_refused(consent):
    with pytest.raises(ConsentIsEvidence):
        consent.delete()
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.filter(pk=consent.pk).delete()
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.all().delete()
    with pytest.raises(ConsentIsEvidence):
        consent.user.consents.all().delete()
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_bulk_changes_of_consents_are_refused(consent):
    before = stored(consent)
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.filter(pk=consent.pk).update(user_agent="forged")
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.update(ip_address=None)
    with pytest.raises(ConsentIsEvidence):
        consent.user.consents.update(method=Consent.Method.DEEMED_BY_BOOKING)
    consent.user_agent = "forged"
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.bulk_update([consent], ["user_agent"])
    with pytest.raises(ConsentIsEvidence):
        Consent.objects.update_or_create(
            user_id=consent.user_id, version_id=consent.version_id, defaults={"user_agent": "x"}
        )
    assert stored(consent) == before


def test_deleting_the_person_or_the_version_is_refused_not_cascaded(consent):
    user, version = consent.user, consent.version
    with pytest.raises(ProtectedError):
        user.delete()
    with pytest.raises(ProtectedError):
        type(user).objects.filter(pk=user.pk).delete()
    with pytest.raises(PublishedVersionIsImmutable):
        version.delete()
    assert Consent.objects.filter(pk=consent.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_update_of_a_consent(consent):
    before = stored(consent)
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete rows from terms_consent"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE terms_consent SET user_agent = 'forged' WHERE id = %s", [consent.pk])
    # Past the model layer (the base manager is a plain one), the trigger still refuses.
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent._base_manager.filter(pk=consent.pk).update(method="deemed_by_booking")
    assert stored(consent) == before


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete_of_a_consent(consent):
    before = stored(consent)
    with (
        pytest.raises(DatabaseError, match="Cannot update or delete rows from terms_consent"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM terms_consent")
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent._base_manager.filter(pk=consent.pk)._raw_delete(connection.alias)
    assert stored(consent) == before
