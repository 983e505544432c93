"""The optional error tracker (portal.errortracking): sentry-sdk, really initialised, with a
transport that keeps events in memory (no network). An exception raised while a passcode
and personal data are in local variables leaves none of them in the captured event."""

import dataclasses
import json

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from portal import errortracking

PASSCODE = "73914285"
EMAIL = "hanako.yamada@example.jp"
PHONE = "090-1234-5678"
NAME = "山田 花子"
KANA = "ヤマダ"
ADDRESS = "苫小牧市"


class MemoryTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@dataclasses.dataclass
class Details:
    meeting_id: str
    passcode: str


@pytest.fixture
def tracker():
    transport = MemoryTransport()
    errortracking.init_error_tracker(
        dsn="https://public@errors.example.invalid/1", transport=transport
    )
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def issue_room_failing(passcode: str, email: str) -> None:
    phone = PHONE
    full_name = NAME
    details = Details(meeting_id="85746001", passcode=passcode)
    profile = {"phone": phone, "family_name_kana": KANA, "address": ADDRESS}
    context = [details, profile, full_name]
    raise RuntimeError(f"provider refused the room {details!r} for {len(context)}")


def test_an_exception_with_a_passcode_in_a_local_variable_sends_no_passcode(tracker):
    try:
        issue_room_failing(PASSCODE, EMAIL)
    except RuntimeError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    (event,) = tracker.events
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert any(frame.get("vars") for frame in frames)  # local variables were captured
    assert frames[-1]["function"] == "issue_room_failing"
    text = json.dumps(event, ensure_ascii=False)
    for secret in (PASSCODE, EMAIL, PHONE, NAME, KANA, ADDRESS):
        assert secret not in text, secret
    assert "85746001" in text  # what is not personal stays: the error is still readable
    assert errortracking.SCRUBBED in text


def test_a_request_event_keeps_no_cookie_no_body_no_personal_header():
    event = {
        "request": {
            "url": "https://consult.example.jp/offices/tomakomai/book/7/?name=hanako",
            "method": "POST",
            "query_string": "name=hanako",
            "cookies": {"sessionid": "abc", "csrftoken": "def"},
            "data": {"full_name": NAME, "passcode": PASSCODE},
            "headers": {
                "Cookie": "sessionid=abc",
                "Authorization": "Bearer t0ken",
                "X-Request-ID": "req-0000-0001",
                "User-Agent": "Mozilla",
            },
        },
        "user": {"id": 7, "email": EMAIL},
        "extra": {"access_code": "ABCD-1234", "note": f"passcode={PASSCODE}"},
        "breadcrumbs": {"values": [{"message": f"sent to email={EMAIL}", "data": {}}]},
    }
    scrubbed = errortracking.scrub_event(event)
    text = json.dumps(scrubbed, ensure_ascii=False)
    for secret in (NAME, PASSCODE, EMAIL, "abc", "t0ken", "ABCD-1234", "hanako"):
        assert secret not in text, secret
    assert scrubbed["request"]["headers"]["X-Request-ID"] == "req-0000-0001"
    assert scrubbed["request"]["url"] == "https://consult.example.jp/offices/tomakomai/book/7/"


def test_personal_data_is_off_in_the_sdk(tracker):
    options = sentry_sdk.get_client().options
    assert options["send_default_pii"] is False
    assert options["max_request_body_size"] == "never"
    assert options["before_send"] is errortracking.scrub_event
