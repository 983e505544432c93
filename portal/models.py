from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time a background worker ran the heartbeat job.

    Written by a periodic task (`portal.tasks.record_heartbeat`, every minute); /health/
    reports the latest, so monitoring can see that jobs really run.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name
