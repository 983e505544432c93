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
        f"| page | {headers} |",
        "|---|" + "---|" * len(scale.concurrency),
        f"| *demo data* |{blank}",
        *(_page_row(r, scale, "http_demo", n) for n in _names(r, "http_demo")),
        f"| *{large}* |{blank}",
        *(_page_row(r, scale, "http_large", n) for n in _names(r, "http_large")),
    ]


def _names(r: dict, phase: str) -> list[str]:
    """The pages a phase measured, in the order it measured them."""
    return list(dict.fromkeys(key.split("@")[0] for key in r[phase]))


def _cpu(r: dict, phase: str, name: str, scale: Scale) -> float | None:
    """The page's processor time per request at the most clients (None: not measured)."""
    return r[phase].get(f"{name}@{max(scale.concurrency)}", {}).get("cpu_ms")


def _issue_20(r: dict, scale: Scale) -> list[str]:
    """The targets of the run that measured the signed-in page, the home page at national
    scale, the rush, the peer and memory (absent from the reports before)."""
    if "rush" not in r:
        return []
    c = scale.concurrency
    demo, large = r["http_demo"], r["http_large"]
    signed = [demo[f"office_page_signed_in@{n}"]["ratio_to_bare"] for n in c]
    anonymous_cpu = _cpu(r, "http_demo", "office_page", scale)
    signed_cpu = _cpu(r, "http_demo", "office_page_signed_in", scale)
    cpu_ratio = round(signed_cpu / anonymous_cpu, 2) if signed_cpu and anonymous_cpu else None
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
        f"office with terms) ≥ 0.15× the bare view: {min(signed)}–{max(signed)}× — "
        f"{_met(min(signed) >= 0.15)}; ≥ 3× the peer's slot page: "
        + (f"{min(vs_peer)}–{max(vs_peer)}× — {_met(min(vs_peer) >= 3)}" if vs_peer else "n/a")
        + f"; CPU ≤ 1.5× the anonymous page: {signed_cpu} ms vs {anonymous_cpu} ms = "
        f"{cpu_ratio}× — {_met(cpu_ratio is not None and cpu_ratio <= 1.5)}. Queries: "
        f"{r['queries_signed_in_with_terms']['kept']} with the person's part kept, "
        f"{r['queries_signed_in_with_terms']['afresh']} afresh.",
    ]
    home_small = [demo[f"home@{n}"]["ratio_to_bare"] for n in c]
    home_big = [large[f"home@{n}"]["ratio_to_bare"] for n in c]
    postal_small = [demo[f"home_postal_code@{n}"]["ratio_to_bare"] for n in c]
    postal_big = [large[f"home_postal_code@{n}"]["ratio_to_bare"] for n in c]
    flat = min(b / a for a, b in zip(home_small + postal_small, home_big + postal_big, strict=True))
    lines.append(
        f"- Home page flat from 3 to {r['offices_in_all']:,} offices: list "
        f"{min(home_small)}–{max(home_small)}× → {min(home_big)}–{max(home_big)}× the bare "
        f"view, by postal code {min(postal_small)}–{max(postal_small)}× → "
        f"{min(postal_big)}–{max(postal_big)}× (the worst ratio large/small "
        f"{flat:.2f}) — {_met(flat >= 0.8)}; queries {r['queries_home_demo']} → "
        f"{r['queries_home_national']} — {_met(r['queries_home_demo'] == r['queries_home_national'])}."
    )
    for mode in ("production", "sync"):
        rush = r["rush"].get(mode)
        if not rush:
            continue
        d, crowded = rush["distinct"], rush["crowded"]
        lines.append(
            f"- The rush ({r['gunicorn'][mode]}): {scale.rush} bookings of distinct slots in "
            f"{d['seconds']} s = {d['bookings_per_second']}/s, {d['ratio_to_bare']}× the bare "
            f"view (≥ 0.05×: {_met(d['ratio_to_bare'] >= 0.05)}); outcomes {d['outcomes']}, "
            f"slots booked twice {d['slots_booked_twice']}. Other visitors' office page "
            f"({rush['page']}) {rush['page_rps_before']:.0f} rps just before, "
            f"{rush['page_rps_during']:.0f} rps during (p99 {rush['page_during_p99_ms']} ms) = "
            f"{rush['page_ratio_during_to_before']}× (≥ 0.5×: "
            f"{_met(rush['page_ratio_during_to_before'] >= 0.5)}"
            + ("" if rush["page_window_inside_burst"] else "; the burst ended before wrk did")
            + f"). {scale.rush} on {scale.rush_slots} slots: {crowded['outcomes']}, "
            f"{crowded['active_bookings_on_the_slots']} active bookings on them — "
            f"{_met(crowded['booked'] == scale.rush_slots and not crowded['errors_5xx'] and crowded['active_bookings_on_the_slots'] == scale.rush_slots)}."
        )
    mine = r.get("memory_large") or r.get("memory_demo")
    if mine:
        theirs = peer.get("memory_mib") if "error" not in peer else None
        lines.append(
            f"- Memory per worker: the portal's {mine['workers']} gthread workers peak at "
            f"{mine['peak_max']} MiB (mean {mine['peak_mean']})"
            + (
                f", the peer's {theirs['workers']} sync workers at {theirs['peak_max']} MiB "
                f"(mean {theirs['peak_mean']}): {round(mine['peak_max'] / theirs['peak_max'], 2)}× "
                f"(≤ 1.2×: {_met(mine['peak_max'] <= 1.2 * theirs['peak_max'])})"
                if theirs
                else ""
            )
            + "."
        )
    lines += peer_rows
    return lines


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
        f"clients; 5xx: {distinct['errors_5xx']}.",
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
            f"gunicorn as {r['gunicorn']['production']} (the rush also with "
            f"{r['gunicorn']['sync']}), production settings, "
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
