from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from typing_extensions import override

from mentorcircle.notifications.models import FailedDelivery


class SentFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "sent"

    @override
    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Not sent"), ("later", "Sent on a later attempt")]

    @override
    def queryset(self, request: HttpRequest, queryset: QuerySet[FailedDelivery]) -> QuerySet[FailedDelivery]:
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "later":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(admin.ModelAdmin[FailedDelivery]):
    """Emails that could not be sent, with the reason: read-only (delete a row once dealt with)."""

    list_display = ("last_failed_at", "kind", "user__email", "session", "attempts", "error", "sent_at")
    list_filter = (SentFilter, "kind")
    search_fields = ("user__email", "key", "error")
    list_select_related = ("user", "session")
    date_hierarchy = "last_failed_at"

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_change_permission(self, request: HttpRequest, obj: FailedDelivery | None = None) -> bool:
        return False
