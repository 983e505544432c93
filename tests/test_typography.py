"""One typographic style through the one formatter (`portal.dates`, `portal.numbers`):
no zero padding, one range mark per language on pages and in messages alike, full-width
punctuation in Japanese, postal codes with their hyphen."""

import datetime as dt
import re

import pytest
from django.utils import translation

from portal import dates
from portal.numbers import postal_code
from tests.factories import jst

START, END = jst(2026, 12, 8, 9, 0), jst(2026, 12, 8, 9, 30)


def test_dates_and_times_have_no_zero_padding_in_japanese():
    with translation.override("ja"):
        assert dates.jdate(START) == "2026年12月8日（火）"
        assert dates.jtime(START) == "9:00"
        assert dates.wareki(START) == "令和8年12月8日"
        assert dates.span(START, END) == "2026年12月8日（火）9:00〜9:30"


def test_one_range_mark_per_language():
    with translation.override("ja"):
        assert dates.time_span(START, END) == "9:00〜9:30"
        assert dates.date_span(dt.date(2026, 12, 7), dt.date(2026, 12, 13)) == (
            "2026年12月7日（月）〜2026年12月13日（日）"
        )
    with translation.override("en"):
        assert dates.span(START, END) == "Tue, 8 December 2026, 9:00–9:30"
        assert dates.time_span(START, END) == "9:00–9:30"
        assert dates.date_span(dt.date(2026, 12, 7), dt.date(2026, 12, 13)) == (
            "Mon, 7 December 2026–Sun, 13 December 2026"
        )


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("0530022", "053-0022"), ("053-0022", "053-0022"), ("０５３００２２", "053-0022"), ("", "")],
)
def test_postal_codes_are_shown_with_their_hyphen(stored, shown):
    assert postal_code(stored) == shown


@pytest.mark.django_db
def test_the_booking_form_and_the_office_page_use_the_one_range_mark(client, make_user, freeze):
    from bookings.models import Booking
    from tests.factories import (
        make_counsellor,
        make_eligible,
        make_office_with_terms,
        make_slot,
    )

    freeze(jst(2030, 12, 5, 12, 0))
    office = make_office_with_terms(slug="k", municipality_codes=["01213"])
    person = make_eligible(make_user("alice@example.jp"), office)
    slot = make_slot(office, make_counsellor(office), jst(2030, 12, 9, 9, 0))
    client.force_login(person)
    html = client.get(f"/offices/k/book/{slot.pk}/").content.decode()
    assert "2030年12月9日（月）9:00〜9:30" in html
    assert "–" not in re.sub(r"<title>.*?</title>", "", html, flags=re.S)
    # The office page's week of slots too.
    office_html = client.get("/offices/k/?week=2030-12-09").content.decode()
    assert "9:00〜9:30" in office_html
    assert "2030年12月9日（月）〜2030年12月15日（日）" in office_html
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_the_profile_shows_the_postal_code_with_its_hyphen_and_labels_without_stray_space(
    client, make_user
):
    from accounts.models import Profile

    person = make_user("alice@example.jp")
    Profile.objects.create(user=person, postal_code="0530022", family_name="苫小牧")
    client.force_login(person)
    html = client.get("/me/profile/").content.decode()
    assert 'value="053-0022"' in html
    labels = [
        re.sub(r"<[^>]+>", "", label)
        for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]
    assert "姓（必須）" in labels
    assert not any(" （" in label or re.search(r"[:(),]", label) for label in labels), labels
