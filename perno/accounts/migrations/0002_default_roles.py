from django.db import migrations

ROLES = [
    ("administrator", "Administrator"),
    ("manager", "Manager"),
    ("sales", "Sales"),
    ("support", "Support"),
    ("marketing", "Marketing"),
    ("dpo", "Data protection officer"),
    ("auditor", "Read-only auditor"),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name in ROLES:
        Role.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
