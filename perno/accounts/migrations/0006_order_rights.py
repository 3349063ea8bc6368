from django.db import migrations

# Rights over orders (the purchase history of the customer analytics), for the shipped roles
# (a frozen copy: later edits of rights.py must not change roles an administrator edited).
# A role that already has rights for a type keeps them.
ALL_ACTIONS = ("view", "create", "edit", "delete", "export")


def scopes(scope, actions=ALL_ACTIONS):
    return dict.fromkeys(actions, scope)


NEW = {
    "administrator": {"order": scopes("all")},
    "manager": {"order": scopes("team")},
    "sales": {"order": {"view": "team", "create": "own", "edit": "own", "delete": "own"}},
    "support": {"order": {"view": "all"}},
    "marketing": {"order": {"view": "all"}},
    "dpo": {"order": scopes("all", ("view", "export"))},
    "auditor": {"order": {"view": "all"}},
}


def add_rights(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(NEW)):
        rights = dict(role.rights or {})
        changed = False
        for subject, actions in NEW[role.code].items():
            if subject not in rights:
                rights[subject] = {a: actions.get(a, "none") for a in ALL_ACTIONS}
                changed = True
        if changed:
            role.rights = rights
            role.save(update_fields=["rights"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_role_handle_privacy")]
    operations = [migrations.RunPython(add_rights, migrations.RunPython.noop)]
