"""Checkboxes and radio buttons are drawn by the project's own multiple_input.html, which puts
each option inline: the HTML must be exactly what Django's own templates draw."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer

CHOICES = [
    (1, "Cohort <2025> & co"),
    (2, "\u202eRight-to-left\u202c"),
    (3, "Plain"),
]
GROUPED = [("Spring", [(1, "One"), (2, "Two")]), ("Autumn", [(3, "Three")])]


@pytest.mark.parametrize(
    ("widget", "value", "attrs"),
    [
        (forms.CheckboxSelectMultiple(choices=CHOICES), [1, 3], {"id": "id_cohorts"}),
        (
            forms.CheckboxSelectMultiple(choices=CHOICES),
            [],
            {"id": "id_tags", "class": "grid", "required": True},
        ),
        (forms.CheckboxSelectMultiple(choices=GROUPED), [2], {"id": "id_grouped", "disabled": True}),
        (
            forms.RadioSelect(choices=CHOICES),
            2,
            {"id": "id_service", "aria-describedby": "id_service_helptext"},
        ),
        (forms.RadioSelect(choices=CHOICES), None, {}),
    ],
)
def test_choices_are_drawn_as_djangos_own_templates_draw_them(widget, value, attrs):
    ours = widget.render("field", value, attrs=attrs, renderer=get_default_renderer())
    djangos = widget.render("field", value, attrs=attrs, renderer=DjangoTemplates())

    assert "<input" in ours
    assert ours == djangos


def test_the_projects_template_is_the_one_drawing_them():
    template = get_default_renderer().get_template("django/forms/widgets/multiple_input.html")

    assert template.origin.name.endswith("mentorcircle/templates/django/forms/widgets/multiple_input.html")
