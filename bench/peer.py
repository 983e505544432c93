"""The peer: django-appointment, installed from PyPI by the benchmark itself into a
temporary virtual environment (the machine's Python 3.13, uv), with a minimal Django
project written there, its own PostgreSQL database, served by gunicorn (sync workers, as
its documentation deploys it; the package ships no migrations, so they are made there
first, as its documentation says) and measured as the portal is: its bare view and its slot
page (a service's booking page, which computes the day's free slots), each as a ratio to
its own bare view, and memory per worker. Nothing of it is committed; the folder is removed
after the run."""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from bench.harness import (
    PEER_DB_NAME,
    PEER_PORT,
    ROOT,
    Scale,
    children,
    cpu_seconds,
    memory_mib,
    say,
    wait_until,
    wrk,
)

PACKAGE = os.environ.get("BENCH_PEER_PACKAGE", "django-appointment==3.12.0")
BASE = f"http://127.0.0.1:{PEER_PORT}"

SETTINGS = """
SECRET_KEY = "peer-benchmark-only-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "appointment",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peersite.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": "%(db)s", "USER": "postgres",
    "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
}}
LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
APPOINTMENT_WEBSITE_NAME = "Peer"
"""

URLS = """
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("appointment/", include("appointment.urls")),
]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
application = get_wsgi_application()
"""

# The same office as the portal's demo page: counsellors working weekdays 10:00–16:00 in
# 30-minute slots, one service.
SEED = """
import datetime as dt
from django.contrib.auth import get_user_model
from appointment.models import Config, Service, StaffMember, WorkingHours

Config.objects.create(slot_duration=30, lead_time=dt.time(10), finish_time=dt.time(16))
service = Service.objects.create(name="オンライン職業相談", duration=dt.timedelta(minutes=30), price=0)
user = get_user_model().objects.create_user("counsellor", "c@example.jp", "peer-pass-2026")
staff = StaffMember.objects.create(
    user=user, slot_duration=30, lead_time=dt.time(10), finish_time=dt.time(16)
)
staff.services_offered.add(service)
for day in range(1, 6):
    WorkingHours.objects.create(
        staff_member=staff, day_of_week=day, start_time=dt.time(10), end_time=dt.time(16)
    )
print(service.pk)
"""


def _uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        raise RuntimeError("uv is not installed")
    return found


def _python313() -> str:
    """The machine's Python 3.13 (uv may not download one)."""
    if sys.version_info[:2] == (3, 13):
        return str(Path(sys.base_prefix) / "bin" / "python3.13")
    return "python3.13"


def measure(scale: Scale, workers: int) -> dict:
    """Install, seed, serve and measure the peer. A failure is reported, not raised."""
    folder = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    try:
        return _measure(folder, scale, workers)
    except (RuntimeError, subprocess.CalledProcessError, OSError, SystemExit) as error:
        detail = getattr(error, "stderr", "") or ""
        say(f"the peer could not be measured: {error} {detail[-500:]}")
        return {"error": f"{error} {detail[-500:]}".strip()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(folder: Path, scale: Scale, workers: int) -> dict:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    uv, venv = _uv(), folder / "venv"
    say(f"the peer: installing {PACKAGE} from PyPI into {venv}")

    def run(*args: str) -> str:
        done = subprocess.run(args, check=True, capture_output=True, text=True, env=env, cwd=folder)
        return done.stdout

    run(uv, "venv", "-q", "--python", _python313(), str(venv))
    python = str(venv / "bin" / "python")
    run(uv, "pip", "install", "-q", "--python", python, PACKAGE, "gunicorn", "psycopg[binary]")
    version = run(
        python, "-c", "import importlib.metadata as m; print(m.version('django-appointment'))"
    ).strip()
    site = folder / "peersite"
    site.mkdir()
    (site / "__init__.py").write_text("")
    (site / "settings.py").write_text(textwrap.dedent(SETTINGS) % {"db": PEER_DB_NAME})
    (site / "urls.py").write_text(textwrap.dedent(URLS))
    (site / "wsgi.py").write_text(textwrap.dedent(WSGI))
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    run(*psql, f"DROP DATABASE IF EXISTS {PEER_DB_NAME} WITH (FORCE)")
    run(*psql, f"CREATE DATABASE {PEER_DB_NAME}")
    env["DJANGO_SETTINGS_MODULE"] = "peersite.settings"  # run() reads env when called
    setup = "import django; django.setup()\n"
    run(
        python,
        "-c",
        setup + "from django.core import management\n"
        "management.call_command('makemigrations', 'appointment', verbosity=0)\n"
        "management.call_command('migrate', verbosity=0)",
    )
    service_id = run(python, "-c", setup + textwrap.dedent(SEED)).strip().splitlines()[-1]
    slot_page = f"/appointment/request/{service_id}/"
    server = subprocess.Popen(
        [
            *(python, "-m", "gunicorn", "peersite.wsgi", "--bind", f"127.0.0.1:{PEER_PORT}"),
            *("--workers", str(workers), "--worker-class", "sync", "--log-level", "warning"),
        ],
        cwd=folder,
        env=env,
    )
    try:

        def answers() -> bool:
            if server.poll() is not None:
                raise RuntimeError(f"the peer's gunicorn exited with {server.returncode}")
            try:
                with urllib.request.urlopen(BASE + slot_page, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_until(answers, seconds=240, what="the peer's start")
        pids = children(server.pid)
        results: dict = {"package": f"django-appointment {version}", "workers": workers}
        results["slot_page_path"] = slot_page
        for name, path in (("bare", "/bench/bare/"), ("slot_page", slot_page)):
            for c in scale.concurrency:
                say(f"the peer: {name} at {c} clients")
                before = cpu_seconds(pids)
                m = wrk(path, c, scale.duration, base=BASE)
                if m["requests"]:
                    m["cpu_ms"] = round((cpu_seconds(pids) - before) * 1000 / m["requests"], 2)
                results[f"{name}@{c}"] = m
        for c in scale.concurrency:
            results[f"slot_page@{c}"]["ratio_to_bare"] = round(
                results[f"slot_page@{c}"]["rps"] / results[f"bare@{c}"]["rps"], 3
            )
        results["memory_mib"] = memory_mib(pids)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)
        time.sleep(0.2)
        run(*psql, f"DROP DATABASE IF EXISTS {PEER_DB_NAME} WITH (FORCE)")
