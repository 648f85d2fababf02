from typing import Any

from django.contrib import admin

from mentorcircle.programs.models import Cohort, Membership, Program, Tag


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ("name", "slug", "allow_group_sessions")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
    # Video secrets are set on Manager > Program, which never shows them back.
    exclude = ("jitsi_app_secret", "bbb_secret")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "program", "role")
    list_filter = ("program", "role")
    search_fields = ("user__email", "user__full_name")
    autocomplete_fields = ("user", "program")
    list_select_related = ("user", "program")


@admin.register(Cohort, Tag)
class LabelAdmin(admin.ModelAdmin[Any]):
    list_display = ("name", "program")
    list_filter = ("program",)
    search_fields = ("name",)
