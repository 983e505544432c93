"""Pages: throughput and latency under wrk against the bare view, and query counts."""

from bench.harness import Scale, say, wrk


def http_suite(label: str, pages: dict[str, tuple[str, str]], scale: Scale) -> dict:
    """`pages`: name -> (path, cookie), one of them "bare" (the bench-only bare view)."""
    results = {}
    for name, (path, cookie) in pages.items():
        for c in scale.concurrency:
            say(f"{label}: {name} at {c} clients")
            results[f"{name}@{c}"] = wrk(path, c, scale.duration, cookie)
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
        client.get(path)  # warm
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
