#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # manage.py is the developer's tool: without DEBUG in the environment it runs in
    # development mode. Servers (gunicorn, celery, docker compose) set DEBUG=false and
    # never default to it; wsgi.py and the Celery app leave DEBUG off.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
