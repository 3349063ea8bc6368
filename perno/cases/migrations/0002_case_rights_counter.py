from django.db import migrations

# Rights over cases for the shipped roles of an existing installation (a frozen copy of
# accounts.rights.DEFAULT_ROLES; a role that already has rights for cases keeps them):
# the support desk works its team's queues, managers their team's, sales reads its
# team's, the data protection officer and the auditor read every case. And the counter
# the case numbers come from.
ALL_ACTIONS = ("view", "create", "edit", "delete", "export")


def scopes(scope, actions=ALL_ACTIONS):
    return dict.fromkeys(actions, scope)


NEW = {
    "administrator": scopes("all"),
    "manager": scopes("team"),
    "sales": {"view": "team"},
    "support": {"view": "team", "create": "team", "edit": "team", "delete": "own"},
    "dpo": scopes("all", ("view", "export")),
    "auditor": {"view": "all"},
}


def add_rights(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(NEW)):
        rights = dict(role.rights or {})
        if "case" in rights:
            continue
        rights["case"] = {a: NEW[role.code].get(a, "none") for a in ALL_ACTIONS}
        role.rights = rights
        role.save(update_fields=["rights"])


def add_counter(apps, schema_editor):
    CaseCounter = apps.get_model("cases", "CaseCounter")
    CaseCounter.objects.get_or_create(name="case", defaults={"value": 0})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("accounts", "0009_date_range")]
    operations = [
        migrations.RunPython(add_rights, migrations.RunPython.noop),
        migrations.RunPython(add_counter, migrations.RunPython.noop),
    ]
