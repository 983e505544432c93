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
