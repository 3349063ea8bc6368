from django.db import migrations

# A frozen copy of the defaults at the time of this migration: later changes to
# perno/accounts/rights.py must not rewrite roles an administrator may have edited.
from perno.accounts.rights import DEFAULT_ROLES

FLAGS = ("administer", "see_confidential", "require_2fa", "export_max_rows", "export_daily_rows")


def set_rights(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, spec in DEFAULT_ROLES.items():
        role, _created = Role.objects.get_or_create(code=code, defaults={"name": spec["name"]})
        if role.rights:
            continue
        role.rights = spec["rights"]
        role.description = spec["description"]
        for flag in FLAGS:
            if flag in spec:
                setattr(role, flag, spec[flag])
        role.save()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_access_control")]
    operations = [migrations.RunPython(set_rights, migrations.RunPython.noop)]
