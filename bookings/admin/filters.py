"""List filters shared by the admin's lists of slots and bookings."""

import datetime as dt

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import Booking


class StartsFilter(admin.SimpleListFilter):
    title = gettext_lazy("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", gettext_lazy("Today")),
            ("week", gettext_lazy("This week")),
            ("upcoming", gettext_lazy("Upcoming")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        field = "slot__starts_at" if queryset.model is Booking else "starts_at"
        if self.value() == "today":
            return queryset.filter(
                **{f"{field}__gte": start, f"{field}__lt": start + dt.timedelta(days=1)}
            )
        if self.value() == "week":
            monday = start - dt.timedelta(days=today.weekday())
            return queryset.filter(
                **{f"{field}__gte": monday, f"{field}__lt": monday + dt.timedelta(days=7)}
            )
        if self.value() == "upcoming":
            return queryset.filter(**{f"{field}__gte": timezone.now()})
        return queryset
