"""`perno user create` and `perno token create`."""

from __future__ import annotations

import argparse
import sys

from perno.cli.environment import prepare_data_dir, setup_django


def cmd_user(args: argparse.Namespace) -> int:
    prepare_data_dir(args.data_dir)
    setup_django()
    from django.core.exceptions import ValidationError

    from perno.accounts.services import roles_ensure_defaults, user_create

    if not args.password_stdin:
        print("Give the password on standard input with --password-stdin.", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n")
    roles_ensure_defaults()
    try:
        user = user_create(
            username=args.name,
            password=password,
            email=args.email or "",
            roles=args.role or None,
            team=args.team,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                print(f"{field}: {message}", file=sys.stderr)
        return 1
    print(
        f"Created user {user.username} (roles: {', '.join(r.code for r in user.roles.all())}"
        f"{', team: ' + str(user.team) if user.team else ''})"
    )
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    prepare_data_dir(args.data_dir)
    setup_django()
    from perno.accounts.models import User
    from perno.accounts.services import token_create

    user = User.objects.filter(username=args.name, is_active=True).first()
    if user is None:
        print(
            f"No active user named {args.name!r}. Create one with `perno user create`.",
            file=sys.stderr,
        )
        return 1
    from django.core.exceptions import ValidationError

    try:
        _token, clear = token_create(
            user=user, name=args.label or "cli", scope=args.scope, expires_in_days=args.days
        )
    except ValidationError as exc:
        print(" ".join(exc.messages), file=sys.stderr)
        return 1
    print(clear)
    return 0
