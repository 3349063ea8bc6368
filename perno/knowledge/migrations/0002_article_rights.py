from django.db import migrations

# Rights over knowledge-base articles for the shipped roles of an existing installation
# (a frozen copy of accounts.rights.DEFAULT_ROLES; a role that already has rights for
# articles keeps them). Everyone reads articles; the support desk, managers (their
# team's) and marketing (their own) write them.
ALL_ACTIONS = ("view", "create", "edit", "delete", "export")


def scopes(scope, actions=ALL_ACTIONS):
    return dict.fromkeys(actions, scope)


NEW = {
    "administrator": scopes("all"),
    "manager": {**scopes("team"), "view": "all"},
    "sales": {"view": "all"},
    "support": {"view": "all", "edit": "all", "create": "own", "delete": "own"},
    "marketing": {"view": "all", "create": "own", "edit": "own", "delete": "own"},
    "dpo": scopes("all", ("view", "export")),
    "auditor": {"view": "all"},
}


def add_rights(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(NEW)):
        rights = dict(role.rights or {})
        if "article" in rights:
            continue
        rights["article"] = {a: NEW[role.code].get(a, "none") for a in ALL_ACTIONS}
        role.rights = rights
        role.save(update_fields=["rights"])


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial"), ("accounts", "0009_date_range")]
    operations = [migrations.RunPython(add_rights, migrations.RunPython.noop)]
