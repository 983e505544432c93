"""Lighthouse (mobile) on the public pages, against the portal served locally with demo data.

    make audit            (or: python -m audit.lighthouse [PATH ...])

Lighthouse is npm's `lighthouse@12.2.3`, installed by `make audit` into var/lighthouse/
(ignored); the browser is Debian's Chromium (CHROME_PATH, default /usr/bin/chromium). The
portal runs under gunicorn as in production (DEBUG off, collected static files, whitenoise)
but over plain HTTP on 127.0.0.1, with its own SQLite database in var/audit/. The scores go
to docs/lighthouse.md (committed, linked from the README); each report's JSON stays in
var/audit/. Not part of `make test`: a run takes minutes.
"""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "audit"
LIGHTHOUSE_DIR = ROOT / "var" / "lighthouse"
LIGHTHOUSE_VERSION = "12.2.3"
SUMMARY = ROOT / "docs" / "lighthouse.md"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = int(os.environ.get("AUDIT_PORT") or _free_port())
BASE = f"http://127.0.0.1:{PORT}"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# The pages anyone can open without signing in, in Japanese (the default) and English.
PAGES = [
    "/",
    "/offices/tachikawa/",
    "/offices/itami/",
    "/offices/tomakomai/",
    "/offices/tomakomai/terms/",
    "/privacy/",
    "/offices/tomakomai/privacy/",
    "/accessibility/",
    "/device-check/",
    "/accounts/login/",
    "/accounts/signup/",
]
LANGUAGES = ["ja", "en"]
RUNS = int(os.environ.get("AUDIT_RUNS", "3"))
ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "audit-only-key-not-a-secret-0123456789-abcdefghijklmnop",
    "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
    "REDIS_URL": "",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SITE_URL": BASE,
    # Plain HTTP on the loopback: no redirect to HTTPS, no HSTS.
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
}


def say(text: str) -> None:
    print(f"[audit {time.strftime('%H:%M:%S')}] {text}", flush=True)


def lighthouse_cli() -> Path:
    cli = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    package = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "package.json"
    if not cli.exists():
        raise SystemExit(
            f"Lighthouse is not installed: npm i -E --prefix {LIGHTHOUSE_DIR} "
            f"lighthouse@{LIGHTHOUSE_VERSION} (make audit does it)"
        )
    version = json.loads(package.read_text())["version"]
    if version != LIGHTHOUSE_VERSION:
        raise SystemExit(f"var/lighthouse holds Lighthouse {version}, not {LIGHTHOUSE_VERSION}")
    return cli


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def answers(path: str) -> bool:
    try:
        with urllib.request.urlopen(BASE + path, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def serve(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "portal.wsgi"),
            *("--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while not answers("/"):
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        if time.monotonic() > deadline:
            process.terminate()
            raise SystemExit("the portal did not answer within 60 s")
        time.sleep(0.3)
    return process


def run_lighthouse(cli: Path, path: str, language: str, run: int) -> dict:
    """One Lighthouse run; a run that Chromium's trace spoils (NO_NAVSTART and the like,
    seen on a busy machine) is tried again, twice at most."""
    name = (path.strip("/").replace("/", "_") or "home") + f".{language}.{run}.json"
    output = WORK / name
    for attempt in range(3):
        output.unlink(missing_ok=True)
        finished = subprocess.run(
            [
                "node",
                str(cli),
                BASE + path,
                "--quiet",
                "--output=json",
                f"--output-path={output}",
                f"--only-categories={','.join(CATEGORIES)}",
                "--form-factor=mobile",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                f"--extra-headers={json.dumps({'Cookie': f'django_language={language}'})}",
            ],
            cwd=ROOT,
            env={**os.environ, "CHROME_PATH": CHROME_PATH},
        )
        if finished.returncode == 0 and output.exists():
            report = json.loads(output.read_text())
            if not report.get("runtimeError"):
                return report
        say(f"Lighthouse failed on {path} ({language}), attempt {attempt + 1}")
    raise SystemExit(f"Lighthouse could not measure {path} ({language})")


def median_run(reports: list[dict]) -> dict:
    """The run with the median performance score (Lighthouse's own advice: several runs,
    report the median), so one noisy run on a shared machine neither sinks nor lifts a page."""
    ordered = sorted(reports, key=lambda report: score(report, "performance") or 0)
    return ordered[len(ordered) // 2]


def warm_up(path: str, language: str) -> None:
    """One request first, as a running portal has served the page before (its caches)."""
    request = urllib.request.Request(BASE + path, headers={"Cookie": f"django_language={language}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def score(report: dict, category: str) -> int | None:
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def shortfalls(report: dict, category: str) -> list[str]:
    """The audits that kept a category below 100 (scored, weighted, not passed)."""
    audits = report["audits"]
    return [
        f"{audits[ref['id']]['title']} ({ref['id']})"
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        and audits[ref["id"]]["score"] is not None
        and audits[ref["id"]]["score"] < 1
        and audits[ref["id"]]["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"}
    ]


def summary(rows: list[tuple[str, str, dict]], chromium: str) -> str:
    lines = [
        "# Lighthouse scores of the public pages",
        "",
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `make audit` "
        f"(`audit/lighthouse.py`): Lighthouse {LIGHTHOUSE_VERSION}, mobile (emulated phone, "
        f"simulated slow 4G and 4× CPU slowdown), {chromium}, the median of {RUNS} runs per "
        "page (by performance score), against the portal served by "
        "gunicorn with `DEBUG=false`, collected static files and the demo data "
        "(`seed_demo`), over HTTP on 127.0.0.1. Generated: do not edit by hand.",
        "",
        "| page | language | performance | accessibility | best practices | SEO |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    for path, language, report in rows:
        scores = [score(report, category) for category in CATEGORIES]
        cells = " | ".join("–" if value is None else str(value) for value in scores)
        lines.append(f"| `{path}` | {language} | {cells} |")
        for category, value in zip(CATEGORIES, scores, strict=True):
            if value is not None and value < 100:
                why = "; ".join(shortfalls(report, category)) or "no single audit failed"
                notes.append(f"- `{path}` ({language}), {category} {value}: {why}")
    lines += ["", "## Below 100", ""]
    lines += notes or ["Every page scores 100 in all four categories."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    """`python -m audit.lighthouse [PATH ...]`: some pages only (a try), summarised in
    var/audit/lighthouse.md instead of docs/lighthouse.md."""
    pages = argv or PAGES
    target = WORK / "lighthouse.md" if argv else SUMMARY
    cli = lighthouse_cli()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "db.sqlite3").unlink(missing_ok=True)
    env = {**os.environ, **ENV, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    say("migrating a fresh database and loading the demo data")
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    manage("collectstatic", "--noinput", env=env)
    chromium = subprocess.run(
        [CHROME_PATH, "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()
    process = serve(env)
    try:
        rows = []
        for language in LANGUAGES:
            for path in pages:
                say(f"Lighthouse {path} ({language}), {RUNS} runs")
                warm_up(path, language)
                reports = [run_lighthouse(cli, path, language, run) for run in range(RUNS)]
                report = median_run(reports)
                rows.append((path, language, report))
                say(
                    "median: "
                    + ", ".join(f"{c} {score(report, c)}" for c in CATEGORIES)
                    + f" (performance of the runs: {[score(r, 'performance') for r in reports]})"
                )
    finally:
        process.terminate()
        process.wait(timeout=30)
    target.parent.mkdir(exist_ok=True)
    target.write_text(summary(rows, chromium))
    say(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
