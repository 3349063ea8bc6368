from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from perno.accounts.models import ApiToken, Role, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Perno", {"fields": ("team", "roles", "language")}))  # type: ignore[misc]
    list_display = ("username", "email", "first_name", "last_name", "team", "is_active")


admin.site.register(Team)
admin.site.register(Role)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash")
