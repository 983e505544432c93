"""The terms' background jobs, defined beside their services (`terms.services`)."""

from .services import notify_terms_revision, sweep_terms_revision_notices

__all__ = ["notify_terms_revision", "sweep_terms_revision_notices"]
