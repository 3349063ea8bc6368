from django.db import migrations

# Rights over surveys and segments for the shipped roles (a frozen copy; a role that
# already has rights for a type keeps them).
ALL_ACTIONS = ("view", "create", "edit", "delete", "export")


def scopes(scope, actions=ALL_ACTIONS):
    return dict.fromkeys(actions, scope)


NEW = {
    "administrator": {"survey": scopes("all"), "segment": scopes("all")},
    "manager": {"survey": scopes("team"), "segment": scopes("team")},
    "sales": {"survey": {"view": "team"}, "segment": {"view": "team"}},
    "support": {"survey": {"view": "all"}},
    "marketing": {
        "survey": {"view": "all", "create": "own", "edit": "own", "delete": "own"},
        "segment": {"view": "all", "create": "own", "edit": "own", "delete": "own", "export": "all"},
    },
    "dpo": {"survey": scopes("all", ("view", "export")), "segment": scopes("all", ("view", "export"))},
    "auditor": {"survey": {"view": "all"}, "segment": {"view": "all"}},
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
    dependencies = [("accounts", "0006_order_rights")]
    operations = [migrations.RunPython(add_rights, migrations.RunPython.noop)]
