from django.db import migrations

# Rights over mailboxes for the shipped roles of an existing installation (a frozen copy
# of accounts.rights.DEFAULT_ROLES; a role that already has rights for mailboxes keeps
# them): the team's shared mailboxes are read, personal ones are one's own. And the
# register's retention for e-mail: 24 months after the message, a starting point the
# DPO edits (an existing rule is left alone).
ALL_ACTIONS = ("view", "create", "edit", "delete", "export")


def scopes(scope, actions=ALL_ACTIONS):
    return dict.fromkeys(actions, scope)


WORKER = {"view": "team", "create": "own", "edit": "own", "delete": "own"}
NEW = {
    "administrator": scopes("all"),
    "manager": scopes("team"),
    "sales": WORKER,
    "support": WORKER,
    "marketing": {"view": "own", "create": "own", "edit": "own", "delete": "own"},
    "dpo": scopes("all", ("view", "export")),
    "auditor": {"view": "all"},
}


def add_rights(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=list(NEW)):
        rights = dict(role.rights or {})
        if "mailbox" in rights:
            continue
        rights["mailbox"] = {a: NEW[role.code].get(a, "none") for a in ALL_ACTIONS}
        role.rights = rights
        role.save(update_fields=["rights"])


def add_retention(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.get_or_create(
        category="correspondence",
        defaults={
            "days": 730,
            "justification": "E-mail with customers is kept 24 months after the message: long enough to follow up a request or a complaint; what a contract or the law requires longer belongs in the record's documents.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("accounts", "0009_date_range"),
        ("privacy", "0008_date_range"),
    ]
    operations = [
        migrations.RunPython(add_rights, migrations.RunPython.noop),
        migrations.RunPython(add_retention, migrations.RunPython.noop),
    ]
