"""Exports are safe to open in a spreadsheet: no cell a person typed starts a formula."""

import csv
import io
from http import HTTPStatus

import pytest

from accounts.models import Profile
from portal.admin_tools import FORMULA_STARTS, csv_writer
from terms import services
from terms.models import Consent
from tests.factories import make_document, make_office, publish_historical

try:  # staff need a second factor before any admin page (accounts.staff_security)
    from tests.support.staff import sign_in_staff
except ImportError:  # a tree from before that: signing in is enough

    def sign_in_staff(client, user) -> None:
        client.force_login(user)


pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/","x")'
DDE = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"


def written(rows) -> list[list[str]]:
    out = io.StringIO()
    csv_writer(out).writerows(rows)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_every_cell_that_could_start_a_formula_is_quoted():
    cells = [f"{start}1+1" for start in FORMULA_STARTS]
    (row,) = written([cells])
    assert row == [f"'{cell}" for cell in cells[:6]] + ["'\\|1+1", "'%1+1"]
    assert not any(cell.startswith(FORMULA_STARTS) for cell in row)


def test_ordinary_cells_are_written_as_they_are():
    row = ["山田 花子", "alice@example.jp", 3, -2, "-2.5", "2026-11-24T09:00:00+09:00", ""]
    assert written([row]) == [["山田 花子", "alice@example.jp", "3", "-2", "-2.5", row[5], ""]]


@pytest.fixture
def hostile_consents(make_user):
    version = publish_historical(make_document(make_office()), "## 第1条\n\n規約です。\n")
    people = []
    for email, family_name, user_agent in (
        ("link@example.jp", "山田", HYPERLINK),
        ("dde@example.jp", DDE, "Mozilla/5.0"),
        ("sum@example.jp", SUM, "\t=1+1"),
    ):
        user = make_user(email)
        Profile.objects.update_or_create(
            user=user, defaults={"family_name": family_name, "given_name": ""}
        )
        people.append(
            services.record_consent(
                user=user, version=version, method=Consent.Method.EXPLICIT, user_agent=user_agent
            )
        )
    return people


@pytest.fixture
def staff(client, admin_user):
    """A national administrator, signed in to the admin."""
    sign_in_staff(client, admin_user)
    return client


def exported(staff, consents) -> dict[str, dict[str, str]]:
    response = staff.post(
        "/admin/terms/consent/",
        {"action": "export_csv", "_selected_action": [c.pk for c in consents]},
    )
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {row["user"]: row for row in reader}


def test_the_consent_export_neutralises_a_hostile_user_agent_and_names(staff, hostile_consents):
    rows = exported(staff, hostile_consents)
    assert rows["link@example.jp"]["user_agent"] == "'" + HYPERLINK
    assert rows["link@example.jp"]["name"] == "山田"
    assert rows["dde@example.jp"]["name"] == "'+cmd\\|' /C calc'!A0"
    assert rows["dde@example.jp"]["user_agent"] == "Mozilla/5.0"
    assert rows["sum@example.jp"]["name"] == "'@SUM(1+1)"
    assert rows["sum@example.jp"]["user_agent"] == "'\t=1+1"
    for row in rows.values():
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row.values())
