"""People about to register (K2(2)), continuing support by one counsellor (I2(3)), and an
immediate consultation started from the person's record, no booking needed (K6の2)."""

from http import HTTPStatus

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import AccountEvent, Profile, StaffAccess, User
from bookings import services
from bookings.models import Booking, ContinuingSupport, Counsellor, Office, Slot
from terms.models import Consent
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
    publish_historical,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 9, 0)  # a Tuesday
THURSDAY_10 = jst(2026, 11, 26, 10, 0)
THURSDAY_11 = jst(2026, 11, 26, 11, 0)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def person_client(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def staff_client(user, language: str = "en") -> Client:
    client = Client()
    sign_in_staff(client, user)
    client.cookies["django_language"] = language
    return client


def without_number(user) -> None:
    Profile.objects.filter(user=user).update(job_seeker_number="")
    user._cached_profile = None


def apply_form(client, office, slot, **fields):
    data = {"full_name": "山田 花子", "full_name_kana": "ヤマダ ハナコ", **fields}
    return client.post(f"/offices/{office.slug}/book/{slot.pk}/", data)


# --- people about to register (K2(2)) --------------------------------------------------


@pytest.fixture
def registering_office():
    """An office that needs a job-seeker number, accepts people about to register and
    otherwise confirms bookings at once."""
    return make_office_with_terms(
        slug="k",
        municipality_codes=["01213"],
        requires_job_seeker_number=True,
        requires_residence=True,
        accepts_registering=True,
    )


@pytest.fixture
def numberless(make_user, registering_office):
    person = make_eligible(make_user("hana@example.jp"), registering_office)
    without_number(person)
    return person


def test_the_office_page_says_a_person_without_a_number_may_apply_as_about_to_register(
    numberless, registering_office
):
    page = person_client(numberless).get("/offices/k/").content.decode()
    assert "You can book at this office." in page
    assert "This office accepts applications from people about to register" in page
    assert "This office needs your job-seeker number" not in page


def test_the_booking_form_offers_the_box_in_a_fieldset(numberless, registering_office):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    page = person_client(numberless).get(f"/offices/k/book/{slot.pk}/").content.decode()
    assert "<legend>Job-seeker registration (求職登録)</legend>" in page
    assert 'name="registering"' in page
    assert '<label for="id_registering">I have not registered yet' in page
    assert 'aria-describedby="id_registering_helptext"' in page


def test_with_the_box_ticked_a_person_without_a_number_applies_and_gets_a_request(
    numberless, registering_office
):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    client = person_client(numberless)
    response = apply_form(client, registering_office, slot, registering="on")
    booking = Booking.objects.get()
    assert response["Location"] == f"/me/bookings/{booking.pk}/"
    # The office confirms at once, but not a person about to register: a counsellor does.
    assert booking.status == Booking.Status.REQUESTED
    assert booking.registering and booking.job_seeker_number == ""
    assert list(booking.events.values_list("action", flat=True)) == ["requested"]
    assert numberless.messages.filter(kind="booking_requested").count() == 1
    followed = client.get(response["Location"]).content.decode()
    assert "Your request was sent. A counsellor will confirm it" in followed


def test_without_number_or_box_the_form_says_what_to_do_and_nothing_is_booked(
    numberless, registering_office
):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    response = apply_form(person_client(numberless), registering_office, slot)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Enter your job-seeker number, or tick the box below if you have not registered" in (
        page
    )
    assert not Booking.objects.exists()


def test_a_number_and_the_box_together_are_refused(numberless, registering_office):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    response = apply_form(
        person_client(numberless),
        registering_office,
        slot,
        job_seeker_number="01234-5678901",
        registering="on",
    )
    assert response.status_code == HTTPStatus.OK
    assert "you are registered already: leave this box unticked" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_number_typed_in_the_form_books_at_once_as_before(numberless, registering_office):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    apply_form(
        person_client(numberless), registering_office, slot, job_seeker_number="01234-5678901"
    )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.CONFIRMED and not booking.registering


def test_the_service_refuses_an_application_without_number_or_declaration(
    numberless, registering_office
):
    slot = make_slot(registering_office, make_counsellor(registering_office), THURSDAY_10)
    with pytest.raises(services.BookingError) as refused:
        book(registering_office, numberless, slot, job_seeker_number="")
    assert refused.value.code == "job_seeker_number"
    assert not Booking.objects.exists()


def test_an_office_that_does_not_accept_it_refuses_as_today(make_user):
    office = make_office_with_terms(
        slug="i", municipality_codes=["01213"], requires_job_seeker_number=True
    )
    slot = make_slot(office, make_counsellor(office), THURSDAY_10)
    person = make_eligible(make_user("ichiro@example.jp"), office)
    without_number(person)
    client = person_client(person)
    page = client.get("/offices/i/").content.decode()
    assert "This office needs your job-seeker number (求職番号)." in page
    assert ">Enter it in your profile.</a>" in page
    assert "people about to register" not in page
    response = apply_form(client, office, slot, registering="on")
    assert response["Location"].startswith("/me/profile/?next=")  # to enter the number
    assert not Booking.objects.exists()
    # Saying "I will register" does not get round it either.
    with pytest.raises(services.BookingError) as refused:
        book(office, person, slot, job_seeker_number="", registering=True)
    assert refused.value.code == "job_seeker_number"
    Profile.objects.filter(user=person).update(job_seeker_number="01234-5678901")
    person._cached_profile = None
    with pytest.raises(services.BookingError) as refused:
        book(office, person, slot, registering=True)
    assert refused.value.code == "registering"
    assert not Booking.objects.exists()


def test_the_admin_shows_and_filters_people_about_to_register(
    make_user, numberless, registering_office
):
    counsellor = make_counsellor(registering_office)
    registered = make_eligible(make_user("reg@example.jp"), registering_office)
    Profile.objects.filter(user=registered).update(family_name="登録済")
    book(
        registering_office,
        numberless,
        make_slot(registering_office, counsellor, THURSDAY_10),
        job_seeker_number="",
        registering=True,
        full_name="予定 花子",
    )
    book(
        registering_office,
        registered,
        make_slot(registering_office, counsellor, THURSDAY_11),
        full_name="登録済 太郎",
    )
    client = staff_client(counsellor.user)
    everything = client.get("/admin/bookings/booking/").content.decode()
    assert "About to register as a job seeker" in everything  # the column
    assert "予定 花子" in everything and "登録済 太郎" in everything
    about_to = client.get("/admin/bookings/booking/?registering__exact=1").content.decode()
    assert "予定 花子" in about_to and "登録済 太郎" not in about_to


# --- continuing support (I2(3)) ----------------------------------------------------------


@pytest.fixture
def office():
    return make_office_with_terms(slug="itami-test", municipality_codes=["28207"])


@pytest.fixture
def mine(office):
    counsellor = make_counsellor(office)
    counsellor.display_name = "伊丹 太郎"
    counsellor.save()
    return counsellor


@pytest.fixture
def theirs(office):
    return make_counsellor(office)


@pytest.fixture
def slots(office, mine, theirs):
    return make_slot(office, mine, THURSDAY_10), make_slot(office, theirs, THURSDAY_11)


@pytest.fixture
def manager(office):
    return make_staff(office, "manager")


@pytest.fixture
def alice(make_user, office):
    return make_eligible(make_user("alice@example.jp"), office)


@pytest.fixture
def bob(make_user, office):
    return make_eligible(make_user("bob@example.jp"), office)


@pytest.fixture
def own_cache(settings):
    """The cache this test reads back: Redis (its own database) as configured, or, instead
    of the file cache in var/ that every other local test run clears at its start, one in
    this process."""
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "test-registering-and-support",
            }
        }


def link(slot) -> str:
    return f"/book/{slot.pk}/"


def office_page(client, query: str = "") -> tuple[str, int]:
    """The office page and how many queries read its free slots (none: from the cache)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/offices/itami-test/{query}")
    assert response.status_code == HTTPStatus.OK
    slot_reads = [q for q in captured if q["sql"].startswith('SELECT "bookings_slot"."id"')]
    return response.content.decode(), len(slot_reads)


def test_an_assigned_person_sees_only_their_counsellors_slots_and_whose_they_are(
    own_cache, alice, bob, mine, manager, slots
):
    mine_slot, their_slot = slots
    services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    alices, bobs = person_client(alice), person_client(bob)
    # In turn, twice: the second time each comes from the cache, each their own.
    for round_ in ("rendered", "cached"):
        page, slot_reads = office_page(alices)
        assert link(mine_slot) in page and link(their_slot) not in page, round_
        assert "Slots of your counsellor, 伊丹 太郎" in page, round_
        page_b, slot_reads_b = office_page(bobs)
        assert link(mine_slot) in page_b and link(their_slot) in page_b, round_
        assert "Slots of your counsellor" not in page_b, round_
        if round_ == "cached":
            assert slot_reads == 0 and slot_reads_b == 0
    # The week switch (htmx) keeps to the counsellor's slots as well.
    fragment = alices.get("/offices/itami-test/?week=2026-11-23", headers={"HX-Request": "true"})
    assert link(mine_slot) in fragment.content.decode()
    assert link(their_slot) not in fragment.content.decode()


def test_the_counsellors_line_is_in_japanese_by_default(alice, mine, manager, slots):
    services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    page = person_client(alice, language="ja").get("/offices/itami-test/").content.decode()
    assert "担当の相談員（伊丹 太郎）の予約枠です" in page


def test_booking_another_counsellors_slot_is_refused(alice, mine, manager, slots):
    mine_slot, their_slot = slots
    services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    with pytest.raises(services.BookingError) as refused:
        book(Office.objects.get(slug="itami-test"), alice, their_slot)
    assert refused.value.code == "own_counsellor"
    # The service speaks the office's language (Japanese) unless a page asks for English.
    assert "担当の相談員（伊丹 太郎）との相談をご予約いただきます" in refused.value.message
    client = person_client(alice)
    response = client.get(f"/offices/itami-test/book/{their_slot.pk}/")
    assert response["Location"] == "/offices/itami-test/"
    assert "books you with your counsellor" in client.get(response["Location"]).content.decode()
    assert not Booking.objects.exists()
    assert book(Office.objects.get(slug="itami-test"), alice, mine_slot).status == "confirmed"


def test_ending_the_assignment_brings_every_slot_back(
    alice, mine, manager, slots, django_capture_on_commit_callbacks
):
    mine_slot, their_slot = slots
    support = services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    client = person_client(alice)
    assert link(their_slot) not in office_page(client)[0]
    # Committed, the end bumps the person's version: their kept part is not used again.
    with django_capture_on_commit_callbacks(execute=True):
        services.end_support(support=support, actor=manager)
    page, _reads = office_page(client)
    assert link(mine_slot) in page and link(their_slot) in page
    assert "Slots of your counsellor" not in page
    support.refresh_from_db()
    assert support.ended_by == manager and support.ended_at == NOW


def test_the_kept_counsellor_follows_assignments_and_the_counsellors_name(
    own_cache, alice, bob, mine, theirs, manager, slots, django_capture_on_commit_callbacks
):
    """The person's counsellor is kept with their "Can I book?" part: an assignment, a new
    one and a counsellor's new name show at once (each commits a bump of their version)."""
    mine_slot, their_slot = slots
    alices, bobs = person_client(alice), person_client(bob)
    assert link(their_slot) in office_page(alices)[0]  # kept: no counsellor yet
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    page = office_page(alices)[0]
    assert "Slots of your counsellor, 伊丹 太郎" in page and link(their_slot) not in page
    with CaptureQueriesContext(connection) as kept:  # from the cache: no support read
        assert "Slots of your counsellor, 伊丹 太郎" in office_page(alices)[0]
    assert not [q for q in kept if "bookings_continuingsupport" in q["sql"]]
    # The office's rules edited (no bump of the person): their part and counsellor afresh.
    office = Office.objects.get(slug="itami-test")
    office.name_en = "Itami, renamed"
    with django_capture_on_commit_callbacks(execute=True):
        office.save()  # commits: the kept pages of the office are stale (`caches.offices`)
    page = office_page(alices)[0]
    assert "Itami, renamed" in page[page.index('id="eligibility-heading"') :]
    assert "Slots of your counsellor, 伊丹 太郎" in page and link(their_slot) not in page
    with django_capture_on_commit_callbacks(execute=True):
        mine.display_name = "伊丹 次郎"
        mine.save()
    assert "Slots of your counsellor, 伊丹 次郎" in office_page(alices)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_counsellor(user=alice, counsellor=theirs, actor=manager)
    page = office_page(alices)[0]
    assert link(their_slot) in page and link(mine_slot) not in page
    assert "伊丹 次郎" not in page
    # Another person never gets Alice's kept counsellor.
    assert "Slots of your counsellor" not in office_page(bobs)[0]


def test_a_new_assignment_ends_the_previous_one_and_both_are_logged(alice, mine, theirs, manager):
    first = services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    second = services.assign_counsellor(user=alice, counsellor=theirs, actor=manager)
    first.refresh_from_db()
    assert first.ended_at == NOW and first.ended_by == manager
    assert second.ended_at is None and second.assigned_by == manager
    assert ContinuingSupport.objects.filter(user=alice, ended_at__isnull=True).get() == second
    actions = list(
        AccountEvent.objects.filter(user=alice).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["counsellor_assigned", "counsellor_unassigned", "counsellor_assigned"]


def test_the_service_refuses_an_actor_of_another_office_and_a_stranger(
    make_user, alice, mine, office
):
    elsewhere = make_office_with_terms(slug="elsewhere")
    with pytest.raises(services.BookingError):
        services.assign_counsellor(
            user=alice, counsellor=mine, actor=make_staff(elsewhere, "manager")
        )
    stranger = make_user("stranger@example.jp")  # no booking, consent or account here
    with pytest.raises(services.BookingError):
        services.assign_counsellor(
            user=stranger, counsellor=mine, actor=make_staff(office, "manager")
        )
    assert not ContinuingSupport.objects.exists()


def test_a_manager_assigns_in_the_admin_with_the_offices_counsellors_only(
    alice, mine, theirs, manager, office
):
    elsewhere = make_office_with_terms(slug="elsewhere")
    outside = make_counsellor(elsewhere)
    client = staff_client(manager)
    add = client.get("/admin/bookings/continuingsupport/add/")
    assert add.status_code == HTTPStatus.OK
    form = add.context["adminform"].form
    assert set(form.fields["counsellor"].queryset) == {mine, theirs}
    assert outside not in form.fields["counsellor"].queryset
    response = client.post(
        "/admin/bookings/continuingsupport/add/", {"user": alice.pk, "counsellor": mine.pk}
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    support = ContinuingSupport.objects.get()
    assert (support.user, support.office, support.counsellor) == (alice, office, mine)
    assert support.assigned_by == manager
    listing = client.get("/admin/bookings/continuingsupport/").content.decode()
    assert "alice@example.jp" in listing and "伊丹 太郎" in listing


def test_staff_of_another_office_cannot_assign_or_see_the_assignment(alice, mine, manager):
    support = services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    elsewhere = make_office_with_terms(slug="elsewhere")
    make_counsellor(elsewhere)
    client = staff_client(make_staff(elsewhere, "manager"))
    add = client.get("/admin/bookings/continuingsupport/add/")
    assert add.status_code == HTTPStatus.OK
    assert mine not in add.context["adminform"].form.fields["counsellor"].queryset
    response = client.post(
        "/admin/bookings/continuingsupport/add/", {"user": alice.pk, "counsellor": mine.pk}
    )
    assert response.status_code == HTTPStatus.OK  # the form again, with its errors
    assert ContinuingSupport.objects.get() == support
    assert (
        "alice@example.jp" not in client.get("/admin/bookings/continuingsupport/").content.decode()
    )
    change = client.get(f"/admin/bookings/continuingsupport/{support.pk}/change/")
    assert change.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN)
    client.post(
        "/admin/bookings/continuingsupport/",
        {"action": "end_assignment", "_selected_action": [support.pk]},
    )
    support.refresh_from_db()
    assert support.ended_at is None


def test_counsellors_see_assignments_but_neither_add_nor_end_them(alice, mine, manager):
    support = services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    client = staff_client(mine.user)
    assert "alice@example.jp" in client.get("/admin/bookings/continuingsupport/").content.decode()
    assert client.get("/admin/bookings/continuingsupport/add/").status_code == HTTPStatus.FORBIDDEN
    client.post(
        "/admin/bookings/continuingsupport/",
        {"action": "end_assignment", "_selected_action": [support.pk]},
    )
    support.refresh_from_db()
    assert support.ended_at is None


def test_a_manager_ends_the_assignment_with_the_action(alice, mine, manager):
    support = services.assign_counsellor(user=alice, counsellor=mine, actor=manager)
    client = staff_client(manager)
    response = client.post(
        "/admin/bookings/continuingsupport/",
        {"action": "end_assignment", "_selected_action": [support.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    support.refresh_from_db()
    assert support.ended_by == manager and support.ended_at is not None


# --- an immediate consultation from the person's record (K6の2) -------------------------

NOW_OPEN = jst(2026, 11, 24, 10, 3)


def start_page(office) -> str:
    return f"/admin/bookings/office/{office.pk}/start-immediate/"


@pytest.fixture
def carol(make_user, office):
    """Consent on record at the office and a registered phone; no booking anywhere."""
    person = make_eligible(make_user("carol@example.jp"), office)
    Profile.objects.filter(user=person).update(family_name="山本")
    return person


def test_a_counsellor_starts_one_for_a_person_with_consent_and_no_booking(carol, mine, office):
    client = staff_client(mine.user)
    with time_machine.travel(NOW_OPEN, tick=False):
        found = client.get(start_page(office), {"q": "山本"})
        assert found.status_code == HTTPStatus.OK
        assert "carol@example.jp" in found.content.decode()
        assert StaffAccess.objects.filter(staff=mine.user, subject=carol).exists()
        response = client.post(start_page(office), {"person": carol.pk})
    booking = Booking.objects.get()
    assert response["Location"] == f"/admin/bookings/booking/{booking.pk}/change/"
    assert booking.is_immediate and booking.status == Booking.Status.CONFIRMED
    assert booking.user == carol and booking.slot.counsellor == mine
    assert booking.slot.starts_at == NOW_OPEN
    shown = client.get(response["Location"]).content.decode()
    assert "The immediate consultation has started. Call back the registered phone" in shown
    assert "090-1234-5678" in shown


def test_a_person_without_consent_is_neither_found_nor_started(make_user, mine, office):
    dave = make_eligible(make_user("dave@example.jp"), office, consent=False)
    client = staff_client(mine.user)
    with time_machine.travel(NOW_OPEN, tick=False):
        found = client.get(start_page(office), {"q": "dave"}).content.decode()
        assert "dave@example.jp" not in found
        response = client.post(start_page(office), {"person": dave.pk})
    assert response.status_code == HTTPStatus.FOUND
    assert "no consent to this office&#x27;s terms is on record" in (
        client.get(response["Location"]).content.decode()
    )
    assert not Booking.objects.exists()


def test_another_offices_counsellor_cannot_start_one_here(carol, office):
    elsewhere = make_office_with_terms(slug="elsewhere")
    client = staff_client(make_counsellor(elsewhere).user)
    with time_machine.travel(NOW_OPEN, tick=False):
        assert client.get(start_page(office), {"q": "carol"}).status_code == HTTPStatus.NOT_FOUND
        response = client.post(start_page(office), {"person": carol.pk})
        # Nor from their own office's page: carol's consent is not on record there.
        client.post(start_page(elsewhere), {"person": carol.pk})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Booking.objects.exists()
    assert not StaffAccess.objects.filter(subject=carol).exists()


def test_a_manager_who_is_no_counsellor_there_is_told_and_nothing_starts(carol, manager, office):
    client = staff_client(manager)
    with time_machine.travel(NOW_OPEN, tick=False):
        page = client.get(start_page(office), {"q": "carol"}).content.decode()
        client.post(start_page(office), {"person": carol.pk})
    assert "Only a counsellor of this office can start one." in page
    assert "carol@example.jp" not in page
    assert not Booking.objects.exists()


def test_revised_terms_show_the_re_consent_gate_on_my_page(carol, mine, office):
    document = office.terms_documents.get()
    publish_historical(document, "## 第1条\n\n改定しました。\n", effective_at=NOW)
    client = staff_client(mine.user)
    with time_machine.travel(NOW_OPEN, tick=False):
        client.post(start_page(office), {"person": carol.pk})
        booking = Booking.objects.get(user=carol)
        my_page = person_client(carol).get("/me/").content.decode()
    assert "has started an immediate consultation with you" in my_page
    assert "The terms of use changed since you agreed to them." in my_page
    assert f"/offices/itami-test/terms/?next=/me/bookings/{booking.pk}/" in my_page


def test_the_demo_lets_the_tomakomai_counsellor_start_one_with_the_demo_citizen():
    """As shipped: the demo citizen agreed to version 1 while version 2 is in force, and
    has a registered phone; Tomakomai accepts people about to register."""
    with time_machine.travel(NOW_OPEN, tick=False):
        call_command("seed_demo", verbosity=0)
        tomakomai = Office.objects.get(slug="tomakomai")
        assert tomakomai.accepts_registering
        citizen = User.objects.get(email="citizen@example.jp")
        assert not Consent.objects.filter(user=citizen, version__number=2).exists()
        counsellor = Counsellor.objects.get(office=tomakomai)
        client = staff_client(counsellor.user)
        found = client.get(start_page(tomakomai), {"q": "苫小牧"}).content.decode()
        assert "citizen@example.jp" in found
        assert "Terms changed since the consent" in found
        response = client.post(start_page(tomakomai), {"person": citizen.pk})
        booking = Booking.objects.get(user=citizen, is_immediate=True)
        assert response["Location"] == f"/admin/bookings/booking/{booking.pk}/change/"
        my_page = person_client(citizen).get("/me/").content.decode()
    assert "The terms of use changed since you agreed to them." in my_page
    assert Slot.objects.filter(pk=booking.slot_id, counsellor=counsellor).exists()
