"""How every form is drawn: one template per field (forms/field.html) and, for a whole form, an
error summary above its fields (forms/form.html). Set as FORM_RENDERER in the settings."""

from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


class FieldGroup(BoundField):
    """A field as the templates draw it. Django adds aria-invalid and an aria-describedby naming
    `<id>_helptext` and `<id>_error`; forms/field.html gives those ids to the help and the first
    error, and `<id>_error_2`, `_3`… to any further errors, which are named here too."""

    @property
    def aria_describedby(self) -> str | None:
        described = super().aria_describedby
        if not described or len(self.errors) < 2:
            return described
        more = [f"{self.auto_id}_error_{number}" for number in range(2, len(self.errors) + 1)]
        return " ".join([described, *more])

    @property
    def mandatory(self) -> bool:
        """Marked with an asterisk. A form can list the fields to mark (`mandatory_fields`), for
        one left blank that takes a default, or parts whose group's legend carries the mark."""
        listed = getattr(self.form, "mandatory_fields", None)
        return self.name in listed if listed is not None else self.field.required

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the control itself, or a group's first choice.
        Empty for a hidden field, which has nothing to focus."""
        if self.is_hidden or not self.auto_id:
            return ""
        if self.use_fieldset:
            return str(self.field.widget.id_for_label(self.auto_id, "0"))
        return self.id_for_label


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = FieldGroup


def choices_read_once(field: forms.ModelChoiceField[Any], queryset: QuerySet[Any]) -> list[Model]:
    """Give a model choice field its rows: the queryset checks what is sent, and the choices
    shown come from one read of it (by itself, Django reads the queryset again each time the
    field is drawn). Returns the rows, so that a form can leave out a field with none."""
    field.queryset = queryset
    rows = list(queryset)
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = [*empty, *((row.pk, field.label_from_instance(row)) for row in rows)]
    return rows
