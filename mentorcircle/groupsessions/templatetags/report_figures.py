"""How the Reports page writes its figures: rates as whole percentages, ratings and hours with
one decimal, and a dash where there is nothing to measure."""

from django import template

register = template.Library()

NOTHING = "–"


@register.filter
def percent(rate: float | None) -> str:
    """0.875 -> "88%"."""
    return NOTHING if rate is None else f"{rate * 100:.0f}%"


@register.filter
def one_decimal(value: float | None) -> str:
    """4.75 -> "4.8"; 12.0 -> "12"."""
    if value is None:
        return NOTHING
    text = f"{value:.1f}"
    return text.removesuffix(".0")
