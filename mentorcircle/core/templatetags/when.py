"""Time formatting in the viewer's zone, always naming the zone."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def _local(value: datetime) -> tuple[datetime, str]:
    """The instant in the viewer's zone, and the zone's name. At the very edge of the calendar
    (year 1 or 9999), where the zone's offset would leave the calendar, it stays in UTC."""
    try:
        return timezone.localtime(value), timezone.get_current_timezone_name()
    except OverflowError:
        return value.astimezone(UTC), "UTC"


def format_when(value: datetime, *, with_date: bool = True) -> str:
    local, zone = _local(value)
    clock = local.strftime("%H:%M")
    if not with_date:
        return f"{clock} ({zone})"
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y')}, {clock} ({zone})"


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """`{{ dt|when }}` -> <time datetime="…Z">Tue 30 Mar 2027, 18:00 (Europe/Paris)</time>."""
    if not value:
        return ""
    iso = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return format_html('<time datetime="{}">{}</time>', iso, format_when(value))


@register.filter
def when_date(value: datetime | None) -> str:
    if not value:
        return ""
    local, _ = _local(value)
    return f"{local.day} {local.strftime('%b %Y')}"


@register.simple_tag
def current_zone() -> str:
    return timezone.get_current_timezone_name()


@register.filter
def when_day(value: datetime | None) -> str:
    return str(_local(value)[0].day) if value else ""


@register.filter
def when_month(value: datetime | None) -> str:
    return _local(value)[0].strftime("%b") if value else ""


@register.filter
def when_time(value: datetime | None) -> str:
    """Just the clock time, with the zone: "17:50 (Europe/Paris)"."""
    return format_when(value, with_date=False) if value else ""


@register.simple_tag
def when_now() -> str:
    """The clock time now in the viewer's zone, with the zone: "19:00 (Europe/Paris)"."""
    return format_when(timezone.now(), with_date=False)


@register.filter
def iso_utc(value: datetime | None) -> str:
    """The instant for scripts: "2027-03-08T09:50:00Z"."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""
