import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from bookings.models import Counsellor, Office

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    User = get_user_model()
    return {
        "offices": list(Office.objects.order_by("slug").values()),
        "users": list(User.objects.order_by("email").values()),
        "counsellors": list(Counsellor.objects.order_by("pk").values()),
        "emails": list(EmailAddress.objects.order_by("email").values()),
        "groups": [
            (g.name, sorted(g.permissions.values_list("codename", flat=True)))
            for g in Group.objects.order_by("name")
        ],
    }


def test_it_creates_the_three_offices_of_the_seeds_with_staff(capsys):
    call_command("seed_demo")
    offices = {o.slug: o for o in Office.objects.all()}
    assert set(offices) == {"tachikawa", "itami", "tomakomai"}
    assert offices["tachikawa"].phone.as_national == "042-527-3234"
    assert offices["tachikawa"].fax.as_national == "042-521-0422"
    assert offices["tachikawa"].requires_issued_account
    assert offices["tomakomai"].start_times == ["10:00", "11:00", "14:00", "15:00"]
    assert "01213" in offices["tomakomai"].municipality_codes
    assert offices["itami"].slot_mode == Office.SlotMode.WINDOW
    assert offices["itami"].requires_counsellor_confirmation
    assert all(o.slot_minutes == 30 for o in offices.values())
    for office in offices.values():
        assert office.counsellors.filter(user__is_staff=True).count() == 1
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    printed = capsys.readouterr().out
    assert "admin@example.jp" in printed
    assert "counsellor.itami@example.jp" in printed


def test_running_it_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


@pytest.mark.parametrize(
    ("language", "jitsi", "fixed"),
    [
        ("ja", "Jitsi Meet（ブラウザーで参加", "相談員のWeb会議室"),
        ("en", "Jitsi Meet (in the", "own meeting room"),
    ],
)
def test_each_office_page_names_the_meeting_app_the_demo_really_uses(
    client, settings, language, jitsi, fixed
):
    """Without Zoom credentials the demo issues Jitsi rooms: its pages and terms say so,
    and promise no Zoom."""
    settings.ZOOM_ACCOUNT_ID = ""
    call_command("seed_demo")
    for office in Office.objects.all():
        html = client.get(f"/offices/{office.slug}/", HTTP_ACCEPT_LANGUAGE=language)
        text = html.content.decode()
        expected = fixed if office.meeting_provider == Office.MeetingProvider.FIXED else jitsi
        assert office.meeting_provider != Office.MeetingProvider.ZOOM
        assert expected in text, office.slug
        terms = client.get(f"/offices/{office.slug}/terms/", HTTP_ACCEPT_LANGUAGE=language)
        if office.meeting_provider == Office.MeetingProvider.JITSI:
            assert "Zoom" not in terms.content.decode(), office.slug
