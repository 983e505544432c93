import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo")


def test_home_lists_the_three_demo_offices_in_japanese_by_default(client, demo):
    response = client.get("/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="ja">' in html
    for name in ("立川市子ども家庭センター", "ハローワーク伊丹", "ハローワークプラザとまこまい"):
        assert name in html
    assert "<title>" in html and "オンライン相談" in html
    assert 'class="skip-link" href="#main"' in html
    assert "Content-Security-Policy" in response.headers


def test_the_language_switch_turns_the_page_english_and_back(client, demo):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Book an online consultation" in html
    assert "Hello Work Itami" in html
    response = client.post("/i18n/setlang/", {"language": "ja", "next": "/"}, follow=True)
    assert '<html lang="ja">' in response.content.decode()


def test_the_office_page_shows_its_phone_in_national_format(client, demo):
    response = client.get("/offices/tachikawa/")
    assert response.status_code == HTTPStatus.OK
    assert "042-527-3234" in response.content.decode()


def test_an_unknown_office_answers_a_translated_404(client, demo):
    response = client.get("/offices/nowhere/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "ページが見つかりません" in response.content.decode()


def test_admin_sign_in_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/")


def test_static_assets_are_served_by_the_portal_itself(settings, tmp_path):
    """After collectstatic, whitenoise serves the vendored assets; pages load nothing else."""
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()  # a new handler, so whitenoise indexes the new STATIC_ROOT
    for path in (
        "/static/css/portal.css",
        "/static/vendor/dads/tokens.css",
        "/static/vendor/htmx/htmx.min.js",
    ):
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, path
        assert isinstance(response, StreamingHttpResponse)  # a static file, streamed
        b"".join(response.streaming_content)
    html = client.get("/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html), "a page loads something from elsewhere"
