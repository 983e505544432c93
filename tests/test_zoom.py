"""The Zoom provider against a local HTTP server that answers as Zoom's API does."""

import base64
import datetime as dt
import json
import logging
import threading
import time

import pytest
from werkzeug import Request, Response

from bookings.meetings import base as meetings_base
from bookings.meetings import zoom
from bookings.meetings.base import (
    MeetingDetails,
    MeetingRequest,
    ProviderError,
    ProviderNotConfigured,
)
from bookings.meetings.zoom import ZoomProvider

ACCOUNT_ID = "acc-123"
CLIENT_ID = "client-abc"
CLIENT_SECRET = "very-secret-value"
TOKEN = "token-one-XYZ"
TOKEN_2 = "token-two-XYZ"
MEETING_ID = 85746065432
JOIN_URL = f"https://zoom.us/j/{MEETING_ID}?pwd=abcdef"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
MEETINGS_PATH = "/v2/users/me/meetings"
TOKEN_QUERY = {"grant_type": "account_credentials", "account_id": ACCOUNT_ID}

# 2026-11-26 01:00 UTC is 10:00 in Japan.
STARTS_AT = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.UTC)


def meeting_request() -> MeetingRequest:
    return MeetingRequest(
        booking_id=1, topic="オンライン職業相談", starts_at=STARTS_AT, minutes=30, counsellor_id=1
    )


def token_json(token: str = TOKEN) -> dict:
    return {"access_token": token, "token_type": "bearer", "expires_in": 3599, "scope": "x"}


def created_json(password: str | None = "zoompw12") -> dict:
    body = {"id": MEETING_ID, "join_url": JOIN_URL, "topic": "オンライン職業相談", "type": 2}
    if password is not None:
        body["password"] = password
    return body


@pytest.fixture(autouse=True)
def zoom_settings(settings, httpserver):
    base_url = httpserver.url_for("").rstrip("/")
    settings.ZOOM_ACCOUNT_ID = ACCOUNT_ID
    settings.ZOOM_CLIENT_ID = CLIENT_ID
    settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
    settings.ZOOM_API_BASE = base_url
    settings.ZOOM_OAUTH_BASE = base_url
    zoom.clear_token_cache()
    yield settings
    zoom.clear_token_cache()


@pytest.fixture(autouse=True)
def sleeps(monkeypatch) -> list[float]:
    """Retries record their backoff instead of waiting it out."""
    delays: list[float] = []
    monkeypatch.setattr(zoom, "_sleep", delays.append)
    return delays


def expect_token(httpserver, token: str = TOKEN) -> None:
    httpserver.expect_ordered_request(
        "/oauth/token", method="POST", query_string=TOKEN_QUERY
    ).respond_with_json(token_json(token))


def requests_to(httpserver, path: str) -> list[Request]:
    return [request for request, _response in httpserver.log if request.path == path]


def test_create_sends_what_zooms_docs_describe(httpserver):
    expect_token(httpserver)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )

    details = ZoomProvider().create(meeting_request())

    httpserver.check_assertions()
    (token_request,) = requests_to(httpserver, "/oauth/token")
    assert token_request.method == "POST"
    assert token_request.args.to_dict() == TOKEN_QUERY
    assert token_request.headers["Authorization"] == BASIC

    (create_request,) = requests_to(httpserver, MEETINGS_PATH)
    assert create_request.method == "POST"
    assert create_request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert create_request.headers["Content-Type"] == "application/json"
    assert "consult-portal" in create_request.headers["User-Agent"]
    body = json.loads(create_request.get_data())
    assert body["topic"] == "オンライン職業相談"
    assert body["type"] == 2
    assert body["duration"] == 30
    assert body["timezone"] == "Asia/Tokyo"
    assert body["start_time"] == "2026-11-26T10:00:00"
    assert body["settings"]["waiting_room"] is True
    assert body["settings"]["join_before_host"] is False
    assert body["settings"]["mute_upon_entry"] is True
    assert body["settings"]["auto_recording"] == "none"
    assert body["settings"]["approval_type"] == 2
    assert body["password"].isdigit()
    assert len(body["password"]) == 8

    assert details == MeetingDetails(
        meeting_id=str(MEETING_ID),
        passcode="zoompw12",
        join_url=JOIN_URL,
        external_id=str(MEETING_ID),
    )


def test_create_falls_back_to_our_passcode(httpserver):
    expect_token(httpserver)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(password=None), status=201
    )

    details = ZoomProvider().create(meeting_request())

    (create_request,) = requests_to(httpserver, MEETINGS_PATH)
    assert details.passcode == json.loads(create_request.get_data())["password"]


def test_passcodes_differ_between_meetings(httpserver):
    expect_token(httpserver)
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(password=None), status=201
    )
    provider = ZoomProvider()
    passcodes = {provider.create(meeting_request()).passcode for _ in range(3)}
    assert len(passcodes) == 3


def test_zoom_user_setting_picks_the_host(httpserver, settings):
    settings.ZOOM_USER = "counsellor@example.jp"
    expect_token(httpserver)
    httpserver.expect_ordered_request(
        "/v2/users/counsellor@example.jp/meetings", method="POST"
    ).respond_with_json(created_json(), status=201)

    ZoomProvider().create(meeting_request())

    httpserver.check_assertions()


def test_token_is_reused_for_a_second_create(httpserver):
    expect_token(httpserver)
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )

    ZoomProvider().create(meeting_request())
    ZoomProvider().create(meeting_request())  # provider_for makes a new instance each time

    assert len(requests_to(httpserver, "/oauth/token")) == 1
    bearers = [r.headers["Authorization"] for r in requests_to(httpserver, MEETINGS_PATH)]
    assert bearers == [f"Bearer {TOKEN}"] * 2


def test_token_is_fetched_again_near_expiry(httpserver, monkeypatch):
    httpserver.expect_oneshot_request(
        "/oauth/token", method="POST", query_string=TOKEN_QUERY
    ).respond_with_json(token_json(TOKEN) | {"expires_in": 100})
    httpserver.expect_oneshot_request(
        "/oauth/token", method="POST", query_string=TOKEN_QUERY
    ).respond_with_json(token_json(TOKEN_2))
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )
    provider = ZoomProvider()
    provider.create(meeting_request())
    later = time.monotonic() + 41  # 59 s left: inside the 60 s margin
    monkeypatch.setattr(zoom, "_clock", lambda: later)
    provider.create(meeting_request())

    bearers = [r.headers["Authorization"] for r in requests_to(httpserver, MEETINGS_PATH)]
    assert bearers == [f"Bearer {TOKEN}", f"Bearer {TOKEN_2}"]


def test_401_on_create_refreshes_the_token_once(httpserver):
    expect_token(httpserver, TOKEN)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        {"code": 124, "message": "Invalid access token."}, status=401
    )
    expect_token(httpserver, TOKEN_2)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )

    details = ZoomProvider().create(meeting_request())

    httpserver.check_assertions()
    assert details.meeting_id == str(MEETING_ID)
    bearers = [r.headers["Authorization"] for r in requests_to(httpserver, MEETINGS_PATH)]
    assert bearers == [f"Bearer {TOKEN}", f"Bearer {TOKEN_2}"]


def test_401_twice_is_not_configured(httpserver):
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(token_json())
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_json(
        {"code": 124, "message": "Invalid access token."}, status=401
    )

    with pytest.raises(ProviderNotConfigured):
        ZoomProvider().create(meeting_request())

    assert len(requests_to(httpserver, "/oauth/token")) == 2
    assert len(requests_to(httpserver, MEETINGS_PATH)) == 2


@pytest.mark.parametrize("status", [400, 403, 404])
def test_refusals_on_create_are_not_configured(httpserver, status):
    expect_token(httpserver)
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_json(
        {"code": 1001, "message": "User does not exist."}, status=status
    )

    with pytest.raises(ProviderNotConfigured):
        ZoomProvider().create(meeting_request())

    assert len(requests_to(httpserver, MEETINGS_PATH)) == 1  # no retry


def test_bad_credentials_are_not_configured(httpserver):
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(
        {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}, status=401
    )

    with pytest.raises(ProviderNotConfigured):
        ZoomProvider().create(meeting_request())

    assert requests_to(httpserver, MEETINGS_PATH) == []


def test_5xx_then_201_succeeds_after_a_retry(httpserver, sleeps):
    expect_token(httpserver)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_data(
        "oops", status=503
    )
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )

    details = ZoomProvider().create(meeting_request())

    httpserver.check_assertions()
    assert details.meeting_id == str(MEETING_ID)
    assert sleeps == [0.2]


def test_5xx_three_times_is_provider_error(httpserver, sleeps):
    expect_token(httpserver)
    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_data("oops", status=500)

    with pytest.raises(ProviderError, match="HTTP 500"):
        ZoomProvider().create(meeting_request())

    assert len(requests_to(httpserver, MEETINGS_PATH)) == 3
    assert sleeps == [0.2, 0.4]


def test_429_honours_retry_after_up_to_two_seconds(httpserver, sleeps):
    expect_token(httpserver)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "30"}
    )
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(), status=201
    )

    ZoomProvider().create(meeting_request())

    assert sleeps == [1.0, 2.0]


def test_timeout_is_provider_error(httpserver, settings):
    settings.ZOOM_TIMEOUT_SECONDS = 0.1
    expect_token(httpserver)
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(timeout=2)  # longer than the client waits
        return Response(json.dumps(created_json()), status=201, content_type="application/json")

    httpserver.expect_request(MEETINGS_PATH, method="POST").respond_with_handler(slow)

    with pytest.raises(ProviderError, match="timed out"):
        ZoomProvider().create(meeting_request())

    # The server answers one request at a time: let it finish the abandoned ones here, so
    # they do not reach the next test's expectations.
    release.set()
    deadline = time.monotonic() + 5
    while len(requests_to(httpserver, MEETINGS_PATH)) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(requests_to(httpserver, MEETINGS_PATH)) == 3


def test_connection_refused_is_provider_error(settings, sleeps):
    settings.ZOOM_OAUTH_BASE = "http://127.0.0.1:9"  # discard port: nothing listens

    with pytest.raises(ProviderError, match="connection failed"):
        ZoomProvider().create(meeting_request())

    assert len(sleeps) == 2


@pytest.mark.parametrize("missing", ["ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"])
def test_missing_credentials_are_not_configured(httpserver, settings, missing):
    setattr(settings, missing, "")

    with pytest.raises(ProviderNotConfigured, match=missing):
        ZoomProvider().create(meeting_request())
    with pytest.raises(ProviderNotConfigured):
        ZoomProvider().delete(str(MEETING_ID))

    assert httpserver.log == []


def test_unset_credentials_are_not_configured(httpserver, settings):
    del settings.ZOOM_CLIENT_SECRET

    with pytest.raises(ProviderNotConfigured, match="ZOOM_CLIENT_SECRET"):
        ZoomProvider().create(meeting_request())


@pytest.mark.parametrize("status", [204, 404])
def test_delete_treats_204_and_404_as_success(httpserver, status):
    expect_token(httpserver)
    httpserver.expect_ordered_request(
        f"/v2/meetings/{MEETING_ID}", method="DELETE"
    ).respond_with_data("", status=status)

    ZoomProvider().delete(str(MEETING_ID))

    httpserver.check_assertions()
    (delete_request,) = requests_to(httpserver, f"/v2/meetings/{MEETING_ID}")
    assert delete_request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_500_on_delete_is_provider_error(httpserver, sleeps):
    expect_token(httpserver)
    httpserver.expect_request(f"/v2/meetings/{MEETING_ID}", method="DELETE").respond_with_data(
        "oops", status=500
    )

    with pytest.raises(ProviderError):
        ZoomProvider().delete(str(MEETING_ID))

    assert len(requests_to(httpserver, f"/v2/meetings/{MEETING_ID}")) == 3


def test_secrets_never_reach_the_log(httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    expect_token(httpserver)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        {"code": 124, "message": "Invalid access token."}, status=401
    )
    expect_token(httpserver, TOKEN_2)
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_data(
        "oops", status=502
    )
    httpserver.expect_ordered_request(MEETINGS_PATH, method="POST").respond_with_json(
        created_json(password=None), status=201
    )

    details = ZoomProvider().create(meeting_request())

    httpserver.check_assertions()
    assert str(MEETING_ID) in caplog.text  # the log does say what happened
    for secret in (details.passcode, TOKEN, TOKEN_2, CLIENT_SECRET, BASIC.split()[1]):
        assert secret not in caplog.text


def test_provider_satisfies_the_protocol():
    provider: meetings_base.MeetingProvider = ZoomProvider()
    assert provider.name == "zoom"
    assert callable(provider.create)
    assert callable(provider.delete)
