"""The benchmark's harness: its scale, its environment, its database, and the processes it
runs (gunicorn, a Celery worker, wrk). Every process runs with `bench.settings`: the
portal's settings plus the bare view and the no-op task, which the product lacks."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # the committed report of the last full run
QUICK_RESULTS = ROOT / "var" / "bench-quick"  # a smoke run's, never committed
SETTINGS_MODULE = "bench.settings"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
DB_NAME = os.environ.get("BENCH_DB_NAME", "portal_bench")
PEER_DB_NAME = os.environ.get("BENCH_PEER_DB_NAME", f"{DB_NAME}_peer")
PEER_PORT = int(os.environ.get("BENCH_PEER_PORT", str(PORT + 1)))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
WORKER_QUEUE = "bench"


@dataclass(frozen=True)
class Scale:
    """How much data and load: `FULL` for the report, `QUICK` to see that it all runs."""

    name: str
    offices: int
    counsellors: int  # per office
    weeks: int  # of future slots
    past_small: int  # past bookings at the first sweep measure
    past_large: int  # ... and at the second
    people: int  # signed-up users the bookings belong to
    due: int  # rows due at each sweep measure
    idle_sweeps: int
    jobs: int
    warm_up_jobs: int
    duration: str  # of each wrk run
    concurrency: tuple[int, ...]
    national_offices: int = 1000  # offices in all, for the home page at national scale
    rush: int = 200  # people booking at once
    rush_slots: int = 20  # ... on this many slots, in the second rush
    home_small_offices: int = 23  # offices in all for a full first home page (20 cards)

    def as_dict(self) -> dict:
        return asdict(self)


FULL = Scale(
    name="full",
    offices=50,
    counsellors=10,
    weeks=8,
    past_small=10_000,
    past_large=1_000_000,
    people=20_000,
    due=10,
    idle_sweeps=41,
    jobs=1000,
    warm_up_jobs=40,
    duration=os.environ.get("BENCH_DURATION", "5s"),
    concurrency=(1, 8, 32),
)
QUICK = Scale(
    name="quick",
    offices=5,
    counsellors=4,
    weeks=2,
    past_small=400,
    past_large=4_000,
    people=400,
    due=4,
    idle_sweeps=3,
    jobs=20,
    warm_up_jobs=4,
    duration="1s",
    concurrency=(1, 4),
    national_offices=60,
    rush=20,
    rush_slots=4,
)

ENV = {
    "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": REDIS_URL,
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "PASSCODE_KEYS": "7hIxyBg0Q4bJ3GkqxW4vJ0U0yqQ9m8vj6fCz9sT6V2o=",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "60",
    "EMAIL_URL": "dummymail://",
}


def configure() -> None:
    """This process and every process it starts: the benchmark's environment."""
    os.environ.update(ENV)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def sh(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, cwd=ROOT, **kwargs)


def prepare_database() -> None:
    say(f"creating the benchmark database {DB_NAME}")
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    sh(*psql, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    sh(*psql, f"CREATE DATABASE {DB_NAME}")
    # The benchmark's own Redis database: no cache entries, sessions or queued jobs
    # (a job left unacknowledged comes back after the visibility timeout) from a run before.
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    python = sys.executable
    sh(python, "manage.py", "migrate", "--noinput", "-v0")
    sh(python, "manage.py", "collectstatic", "--noinput", "-v0")
    sh(python, "manage.py", "seed_demo", stdout=subprocess.DEVNULL)


def ensure_wrk() -> str:
    if found := shutil.which("wrk"):
        return found
    if os.geteuid() == 0:
        say("installing Debian's wrk")
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if found := shutil.which("wrk"):
            return found
    raise SystemExit("wrk is needed: apt-get install wrk")


def wait_until(condition, *, seconds: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise SystemExit(f"{what} did not happen within {seconds:.0f} s")


def _get(path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(BASE + path, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


class Gunicorn:
    """The portal served by gunicorn with the benchmark's settings: `mode` "production" is
    gunicorn.conf.py as the Procfile runs it (sync workers, the booking gate), "gthread"
    the thread workers of the runs before (one per core × 8 threads). `gate_width`: the
    booking gate's BOOKING_GATE_WIDTH (None: the portal's default)."""

    def __init__(
        self, workers: int | None = None, mode: str = "production", gate_width: int | None = None
    ) -> None:
        self.workers = workers
        self.mode = mode
        self.gate_width = gate_width
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        command = [
            *(sys.executable, "-m", "gunicorn", "portal.wsgi"),
            *("--config", str(ROOT / "gunicorn.conf.py")),
            *("--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"),
        ]
        if self.workers:
            command += ["--workers", str(self.workers)]
        if self.mode == "sync":
            command += ["--worker-class", "sync", "--threads", "1"]
        if self.mode == "gthread":
            command += ["--worker-class", "gthread", "--threads", "8"]
        return command

    def __enter__(self):
        self.process = process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.env(),
        )
        try:

            def answers() -> bool:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {process.returncode}")
                return _get("/health/")[0] == 200

            wait_until(
                answers, seconds=240, what=f"gunicorn's start ({BASE}/health/ answering 200)"
            )
            if _get("/bench/bare/") != (200, b"ok"):
                raise SystemExit("gunicorn does not serve the bench URLconf (/bench/bare/)")
        except BaseException:
            self.__exit__()
            raise
        return self

    def env(self) -> dict[str, str]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
        env.pop("BOOKING_GATE_WIDTH", None)
        if self.gate_width is not None:
            env["BOOKING_GATE_WIDTH"] = str(self.gate_width)
        return env

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return children(self.process.pid)

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def children(pid: int) -> list[int]:
    """The child processes of `pid` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(x) for x in text]
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system processor time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _kib(text: str, key: str) -> int:
    """A "Key:   123 kB" line's number, from /proc/<pid>/status or smaps_rollup."""
    for line in text.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def memory_mib(pids: list[int]) -> dict:
    """Memory per process (MiB), max and mean over `pids`, and their total (one machine's
    workers): peak resident (VmHWM), resident now (VmRSS), and proportional (Pss from
    smaps_rollup: a page shared by n processes counts 1/n in each, so the total is what
    the processes take together)."""
    peaks, now, pss = [], [], []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(_kib(status, "VmHWM") / 1024)
        now.append(_kib(status, "VmRSS") / 1024)
        pss.append(_kib(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss") / 1024)

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 1)

    return {
        "workers": len(pids),
        "peak_max": round(max(peaks), 1),
        "peak_mean": mean(peaks),
        "rss_mean": mean(now),
        "pss_max": round(max(pss), 1),
        "pss_mean": mean(pss),
        "peak_total": round(sum(peaks), 1),
        "rss_total": round(sum(now), 1),
        "pss_total": round(sum(pss), 1),
    }


class Worker:
    """One Celery worker (prefork, a process per core) on the benchmark's queue, with the
    benchmark's settings (they import the no-op task)."""

    def __init__(self) -> None:
        self.hostname = f"bench-{os.getpid()}@localhost"
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        from portal.celery import app

        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "portal", "worker"),
                *("--hostname", self.hostname, "--queues", WORKER_QUEUE),
                *("--concurrency", str(os.cpu_count() or 2), "--loglevel", "WARNING"),
                *("--without-gossip", "--without-mingle"),
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(
                lambda: bool(app.control.ping(destination=[self.hostname], timeout=0.5)),
                seconds=60,
                what="the worker's start",
            )
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def wrk(path: str, connections: int, duration: str, cookie: str = "", base: str = "") -> dict:
    command = [
        *("wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", duration),
        *("--timeout", "10s", "-s", str(ROOT / "bench" / "percentiles.lua")),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, (base or BASE) + path], capture_output=True, text=True, check=True
    )
    line = [x for x in output.stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)


def session_cookie(user) -> str:
    """A signed-in session for `user`, made the way django.contrib.auth makes one."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


CSRF_COOKIE = "csrftoken=" + "c" * 32  # Django's CSRF_COOKIE_NAME, a 32-letter secret


def browser_cookies(user) -> str:
    """What a signed-in person's browser sends: the session, and the CSRF cookie it was
    given at the sign-in form (a POST, so every signed-in browser holds one)."""
    return f"{session_cookie(user)}; {CSRF_COOKIE}"


def versions() -> dict:
    from importlib.metadata import version

    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    psql = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    return {
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "celery": version("celery"),
        "psycopg": version("psycopg"),
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("\n")[0].strip(),
        "postgresql": psql,
        "redis": redis.stdout.split()[2] if redis.stdout else "",
    }
