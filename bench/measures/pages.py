"""Pages: throughput and latency under wrk against the bare view, and query counts."""

from bench.harness import Scale, cpu_seconds, say, wrk


def http_suite(
    label: str, pages: dict[str, tuple[str, str]], scale: Scale, server=None, base: str = ""
) -> dict:
    """`pages`: name -> (path, cookie), one of them "bare" (the bench-only bare view).
    With `server` (a harness.Gunicorn), each run also gets the processor time its workers
    spent per request (`cpu_ms`)."""
    results = {}
    for name, (path, cookie) in pages.items():
        for c in scale.concurrency:
            say(f"{label}: {name} at {c} clients")
            pids = server.worker_pids() if server is not None else []
            before = cpu_seconds(pids)
            results[f"{name}@{c}"] = m = wrk(path, c, scale.duration, cookie, base)
            if pids and m["requests"]:
                m["cpu_ms"] = round((cpu_seconds(pids) - before) * 1000 / m["requests"], 2)
    for name in pages:
        if name == "bare":
            continue
        for c in scale.concurrency:
            results[f"{name}@{c}"]["ratio_to_bare"] = round(
                results[f"{name}@{c}"]["rps"] / results[f"bare@{c}"]["rps"], 3
            )
    return results


def query_counts(office_one, office_eight, user) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bookings.caches import my_page

    def count(client, path, *, fresh_lists: bool = False):
        _warm(client, path)
        if fresh_lists:  # as after a change to the person's bookings or consents
            my_page.changed(user.pk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, HTTP_HOST="127.0.0.1").status_code == 200
        return len(captured)

    anonymous, signed_in = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(user)
    return {
        "office_page_anonymous": {
            "1_week": count(anonymous, f"/offices/{office_one.slug}/"),
            "8_weeks": count(anonymous, f"/offices/{office_eight.slug}/"),
        },
        "office_page_signed_in": {
            "1_week": count(signed_in, f"/offices/{office_one.slug}/"),
            "8_weeks": count(signed_in, f"/offices/{office_eight.slug}/"),
        },
        "my_page": {"1_week": count(signed_in, "/me/"), "8_weeks": count(signed_in, "/me/")},
        "my_page_lists_rendered_afresh": {
            "1_week": count(signed_in, "/me/", fresh_lists=True),
            "8_weeks": count(signed_in, "/me/", fresh_lists=True),
        },
    }


def _warm(client, path: str) -> None:
    """Two views: an office page learns its office at the first, is kept at the second
    (`caches.office_pages`); any other page is simply warm."""
    for _ in range(2):
        client.get(path, HTTP_HOST="127.0.0.1")


def _count(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, HTTP_HOST="127.0.0.1").status_code == 200
    return len(captured)


def signed_in_query_counts(user, office_slug: str, rendered: str) -> dict:
    """The office page signed in, for a person with consents, a profile and a booking at
    an office with terms: the page kept whole (`caches.office_pages`); rendered with the
    person's part kept (`rendered`: a query string the page is not kept for); and
    rendered afresh, the person's part too."""
    from django.test import Client

    from bookings.caches import my_page

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    path = f"/offices/{office_slug}/"
    _warm(client, path)
    page_kept = _count(client, path)
    client.get(f"{path}?{rendered}")
    part_kept = _count(client, f"{path}?{rendered}")
    my_page.changed(user.pk)  # as after a change of the person's state (autocommit)
    return {"page_kept": page_kept, "kept": part_kept, "afresh": _count(client, path)}


def home_query_counts() -> dict:
    """The home page's queries with its office cards rendered afresh (the version of
    the cards bumped first), as the pinned tests count them: the same state at every
    scale, whatever an earlier load left in the cache."""
    from django.test import Client

    from bookings.caches import ALL_OFFICES, offices

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, path in (
        ("home", "/"),
        ("postal_code", "/?postal_code=053-0022"),
        ("prefecture_page_2", "/?prefecture=01&page=2"),
    ):
        offices.changed(ALL_OFFICES)  # autocommit: bumped at once
        counts[name] = _count(client, path)
    return counts
