"""The settings mypy's Django plugin reads: the portal's own, in development mode, so that
`mypy .` runs on a fresh checkout without a SECRET_KEY (the plugin imports settings)."""

import os

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403
