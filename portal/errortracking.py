"""The optional error tracker: Sentry (`sentry-sdk`) when SENTRY_DSN is set.

Nothing personal and no secret leaves the portal with an error: `send_default_pii` is off
(no user, no IP address, no cookies), request bodies are never sent, and `scrub_event`
(before_send) and `scrub_breadcrumb` remove, everywhere in the event where data goes (the
request's data, query string, cookies and headers, the local variables of every frame, the
extra data, contexts, breadcrumbs), every value whose key names something personal or
secret (a passcode, a password, a token, a name, kana, an e-mail address, a phone number,
an address, an access code, …), and in any text `key=value` / `key: value` pairs of such
keys (the repr of a dataclass holding a passcode, say).
"""

import re
from typing import Any

SCRUBBED = "[scrubbed]"
# Parts of key names (lower case) whose values are never sent.
SENSITIVE = (
    "passcode",
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "cookie",
    "session",
    "csrf",
    "signature",
    "dsn",
    "phone",
    "fax",
    "email",
    "mail",
    "name",
    "kana",
    "address",
    "postal",
    "municipality",
    "birth",
    "job_seeker",
    "consultation_id",
    "access_code",
    "code",
    "body",
    "text",
    "note",
)
_PAIR = re.compile(
    r"(?i)\b([a-z_]*(?:" + "|".join(map(re.escape, SENSITIVE)) + r")[a-z_]*)"
    r"(\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^\s,)}\]]+)"
)


def sensitive(key: object) -> bool:
    return isinstance(key, str) and any(part in key.lower() for part in SENSITIVE)


def scrub_text(text: str) -> str:
    """`passcode='73914285'` → `passcode=[scrubbed]` (and the like for every such key)."""
    return _PAIR.sub(lambda m: m.group(1) + m.group(2) + SCRUBBED, text)


def scrub(value: Any) -> Any:
    """A copy of `value` with the values of sensitive keys replaced, at any depth."""
    if isinstance(value, dict):
        return {k: SCRUBBED if sensitive(k) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


def _frames(event: dict) -> list[dict]:
    frames: list[dict] = []
    for key in ("exception", "threads"):
        for item in (event.get(key) or {}).get("values") or []:
            frames += (item.get("stacktrace") or {}).get("frames") or []
    return frames


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: the event without personal data or secrets."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        request.pop("env", None)
        if request.get("query_string"):
            request["query_string"] = SCRUBBED
        if isinstance(request.get("headers"), dict):
            request["headers"] = scrub(request["headers"])
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?")[0]
    event.pop("user", None)
    for frame in _frames(event):
        if "vars" in frame:
            frame["vars"] = scrub(frame["vars"])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"])
    for key in ("extra", "contexts", "tags"):
        if key in event:
            event[key] = scrub(event[key])
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = scrub(event["logentry"])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        breadcrumbs["values"] = [scrub_breadcrumb(crumb) for crumb in breadcrumbs["values"]]
    return event


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub_text(crumb["message"])
    if "data" in crumb:
        crumb["data"] = scrub(crumb["data"])
    return crumb


def init_error_tracker(
    *, dsn: str, environment: str = "", release: str = "", transport: Any = None
) -> None:
    """Start sentry-sdk (its Django, Celery, Redis and logging integrations are enabled by
    default) with the scrubbing above."""
    import sentry_sdk

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        send_default_pii=False,
        # The same in the SDK's newer terms (it takes precedence where both are given).
        data_collection={"user_info": False, "http_bodies": [], "database_query_data": False},
        include_local_variables=True,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=0.0,
        **options,
    )
