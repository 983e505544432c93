"""Zoom meetings through a Server-to-Server OAuth app (Zoom REST API v2).

Settings, read at call time:
    ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET   credentials (all required)
    ZOOM_API_BASE          default "https://api.zoom.us"
    ZOOM_OAUTH_BASE        default "https://zoom.us"
    ZOOM_USER              default "me" (the user, id or e-mail, who hosts the meetings)
    ZOOM_TIMEOUT_SECONDS   read timeout, default 10 (the connect timeout is 5 s)

Transient failures (timeouts, connection errors, HTTP 429 and 5xx) are retried a few times
here, then raised as ProviderError; anything else Zoom refuses is ProviderNotConfigured.
Never log the passcode, the access token or the client secret: meeting ids and status
codes only.
"""

import contextlib
import datetime as dt
import email.utils
import logging
import secrets
import string
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings

from .base import MeetingDetails, MeetingRequest, ProviderError, ProviderNotConfigured

logger = logging.getLogger(__name__)

JAPAN = ZoneInfo("Asia/Tokyo")
USER_AGENT = "consult-portal/0.1 (+zoom-provider)"
ATTEMPTS = 3
BACKOFF_SECONDS = (0.2, 0.4)
MAX_RETRY_AFTER_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 5.0
TOKEN_MARGIN_SECONDS = 60
PASSCODE_LENGTH = 8  # Zoom allows up to 10 of [a-zA-Z0-9@-_*]; digits are easy to type
TOPIC_MAX_LENGTH = 200

# Tests replace these to keep retries fast and to move the clock.
_sleep = time.sleep
_clock = time.monotonic


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # time.monotonic(), already less the safety margin

    def fresh(self) -> bool:
        return _clock() < self.expires_at


# Access tokens are shared by every ZoomProvider in the process (provider_for makes a new
# instance per call): keyed by OAuth base, account and client.
_tokens: dict[tuple[str, str, str], _Token] = {}
_tokens_lock = threading.Lock()


def clear_token_cache() -> None:
    with _tokens_lock:
        _tokens.clear()


@dataclass(frozen=True)
class _Config:
    account_id: str
    client_id: str
    client_secret: str
    api_base: str
    oauth_base: str
    user: str
    timeout: httpx.Timeout

    @property
    def token_key(self) -> tuple[str, str, str]:
        return (self.oauth_base, self.account_id, self.client_id)


def _config() -> _Config:
    credentials = {
        name: str(getattr(settings, name, "") or "").strip()
        for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET")
    }
    missing = [name for name, value in credentials.items() if not value]
    if missing:
        raise ProviderNotConfigured(f"Zoom is not configured: set {', '.join(missing)}")
    read_timeout = float(getattr(settings, "ZOOM_TIMEOUT_SECONDS", 10.0) or 10.0)
    return _Config(
        account_id=credentials["ZOOM_ACCOUNT_ID"],
        client_id=credentials["ZOOM_CLIENT_ID"],
        client_secret=credentials["ZOOM_CLIENT_SECRET"],
        api_base=str(getattr(settings, "ZOOM_API_BASE", "") or "https://api.zoom.us").rstrip("/"),
        oauth_base=str(getattr(settings, "ZOOM_OAUTH_BASE", "") or "https://zoom.us").rstrip("/"),
        user=str(getattr(settings, "ZOOM_USER", "") or "me"),
        timeout=httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT_SECONDS),
    )


def _passcode() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(PASSCODE_LENGTH))


def _retry_delay(response: httpx.Response | None, attempt: int) -> float:
    """Seconds to wait before the next attempt: Retry-After (capped) or the backoff."""
    backoff = BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)]
    header = response.headers.get("Retry-After") if response is not None else None
    if not header:
        return backoff
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return backoff
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _send(client: httpx.Client, method: str, url: str, what: str, **kwargs) -> httpx.Response:
    """One request, retried on timeouts, connection errors, 429 and 5xx.

    Returns any other response (2xx or 4xx) for the caller to judge; raises ProviderError
    once the attempts are spent. Messages name the step and the status, nothing secret.
    """
    for attempt in range(1, ATTEMPTS + 1):
        response = None
        cause: Exception | None
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            failure, cause = "timed out", exc
        except httpx.TransportError as exc:
            failure, cause = f"connection failed ({type(exc).__name__})", exc
        else:
            status = response.status_code
            if status != 429 and status < 500:
                return response
            failure, cause = f"HTTP {status}", None
        if attempt == ATTEMPTS:
            raise ProviderError(f"Zoom {what}: {failure} after {ATTEMPTS} attempts") from cause
        delay = _retry_delay(response, attempt)
        logger.warning(
            "Zoom %s: %s (attempt %d of %d), retrying in %.1fs",
            what,
            failure,
            attempt,
            ATTEMPTS,
            delay,
        )
        _sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class ZoomProvider:
    name = "zoom"
    local = False  # calls out, and can fail

    # -- the MeetingProvider interface ------------------------------------------------------

    def create(self, request: MeetingRequest) -> MeetingDetails:
        config = _config()
        if request.starts_at.tzinfo is None:
            raise ValueError("MeetingRequest.starts_at must be timezone-aware")
        passcode = _passcode()
        body = {
            "topic": request.topic[:TOPIC_MAX_LENGTH],
            "type": 2,  # scheduled
            "start_time": request.starts_at.astimezone(JAPAN).strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": "Asia/Tokyo",
            "duration": request.minutes,
            "password": passcode,
            "settings": {
                "waiting_room": True,
                "join_before_host": False,
                "mute_upon_entry": True,
                "auto_recording": "none",
                "approval_type": 2,  # no registration
            },
        }
        url = f"{config.api_base}/v2/users/{quote(config.user, safe='@')}/meetings"
        with self._client(config) as client:
            response = self._api(client, config, "POST", url, "create meeting", json=body)
        if response.status_code not in (200, 201):
            raise self._refused("create meeting", response)
        try:
            data = response.json()
            meeting_id = str(data["id"])
            join_url = str(data["join_url"])
        except (ValueError, KeyError, TypeError):
            raise ProviderError(
                f"Zoom create meeting: unexpected response body (HTTP {response.status_code})"
            ) from None
        logger.info(
            "Zoom meeting %s created for booking %s (HTTP %s)",
            meeting_id,
            request.booking_id,
            response.status_code,
        )
        return MeetingDetails(
            meeting_id=meeting_id,
            passcode=str(data.get("password") or passcode),
            join_url=join_url,
            external_id=meeting_id,
        )

    def delete(self, external_id: str) -> None:
        if not external_id:
            return  # nothing was created
        config = _config()
        url = f"{config.api_base}/v2/meetings/{quote(str(external_id), safe='')}"
        with self._client(config) as client:
            response = self._api(client, config, "DELETE", url, "delete meeting")
        if response.status_code == 404:
            logger.info("Zoom meeting %s already gone (HTTP 404)", external_id)
            return
        if not response.is_success:
            raise self._refused("delete meeting", response)
        logger.info("Zoom meeting %s deleted (HTTP %s)", external_id, response.status_code)

    # -- plumbing ----------------------------------------------------------------------------

    @staticmethod
    def _client(config: _Config) -> httpx.Client:
        return httpx.Client(timeout=config.timeout, headers={"User-Agent": USER_AGENT})

    @staticmethod
    def _refused(what: str, response: httpx.Response) -> ProviderNotConfigured:
        # Zoom's numeric error code (e.g. 1001 "user does not exist") helps; its message may
        # echo request data, so it is left out.
        code = ""
        with contextlib.suppress(ValueError, AttributeError):
            zoom_code = response.json().get("code")
            if isinstance(zoom_code, int):
                code = f", Zoom code {zoom_code}"
        logger.error("Zoom %s refused: HTTP %s%s", what, response.status_code, code)
        return ProviderNotConfigured(f"Zoom {what} refused: HTTP {response.status_code}{code}")

    def _api(
        self, client: httpx.Client, config: _Config, method: str, url: str, what: str, **kwargs
    ) -> httpx.Response:
        """A call with the bearer token; on a 401, one fresh token and one more try."""
        token = self._token(client, config)
        response = _send(client, method, url, what, headers=_bearer(token), **kwargs)
        if response.status_code != 401:
            return response
        logger.info("Zoom %s: HTTP 401, fetching a new access token", what)
        self._forget(config, token)
        token = self._token(client, config)
        return _send(client, method, url, what, headers=_bearer(token), **kwargs)

    @staticmethod
    def _forget(config: _Config, token: str) -> None:
        with _tokens_lock:
            cached = _tokens.get(config.token_key)
            if cached is not None and cached.value == token:
                del _tokens[config.token_key]

    def _token(self, client: httpx.Client, config: _Config) -> str:
        with _tokens_lock:
            cached = _tokens.get(config.token_key)
        if cached is not None and cached.fresh():
            return cached.value
        response = _send(
            client,
            "POST",
            f"{config.oauth_base}/oauth/token",
            "access token",
            params={"grant_type": "account_credentials", "account_id": config.account_id},
            auth=httpx.BasicAuth(config.client_id, config.client_secret),
        )
        if not response.is_success:
            # 400/401/403: wrong account id, client id or secret, or the app is deactivated.
            raise self._refused("access token", response)
        try:
            data = response.json()
            value = str(data["access_token"])
            expires_in = float(data.get("expires_in", 3599))
        except (ValueError, KeyError, TypeError):
            raise ProviderError("Zoom access token: unexpected response body") from None
        token = _Token(value, _clock() + expires_in - TOKEN_MARGIN_SECONDS)
        with _tokens_lock:
            _tokens[config.token_key] = token
        logger.debug("Zoom access token fetched (HTTP %s)", response.status_code)
        return value


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
