"""The pipeline settings: administrators manage pipelines and their ordered stages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from perno.accounts.permissions import can
from perno.sales import selectors, services
from perno.sales.models import Stage

PIPELINE_ACTIONS = {
    "create",
    "add_stage",
    "update_stage",
    "delete_stage",
    "move_stage",
    "make_default",
    "delete",
}


@login_required
def pipeline_settings(request: HttpRequest) -> HttpResponse:
    """Administrators manage pipelines and their ordered stages (through the services)."""

    if not can(request.user, "manage", "pipeline"):
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _pipeline_action(request, action)
        except ValidationError as exc:
            errors = exc.messages
        except (ValueError, KeyError):
            errors = [_("The form was incomplete. Fill in every field and try again.")]
        else:
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "sales/pipeline_settings.html",
        {
            "pipelines": selectors.pipeline_list(user=request.user),
            "errors": errors,
            "kinds": Stage.Kind.choices,
        },
        status=400 if errors else 200,
    )


def _pipeline_action(request: HttpRequest, action: str) -> None:
    post = request.POST
    actor = request.user
    if action not in PIPELINE_ACTIONS:
        raise ValidationError(_("Unknown action."))
    if action == "create":
        name = post.get("name", "").strip()
        if not name:
            raise ValidationError(_("Give the pipeline a name."))
        services.pipeline_create(
            actor=actor,
            name=name,
            stages=[
                (_("New"), 10, Stage.Kind.OPEN),
                (_("Qualified"), 30, Stage.Kind.OPEN),
                (_("Proposal"), 60, Stage.Kind.OPEN),
                (_("Won"), 100, Stage.Kind.WON),
                (_("Lost"), 0, Stage.Kind.LOST),
            ],
        )
        return
    pipeline = selectors.pipeline_get(user=actor, pk=int(post["pipeline"]))
    if action == "make_default":
        services.pipeline_update(actor=actor, pipeline=pipeline, is_default=True)
    elif action == "delete":
        services.pipeline_delete(actor=actor, pipeline=pipeline)
    elif action == "add_stage":
        services.stage_add(
            actor=actor,
            pipeline=pipeline,
            name=post["name"],
            probability=int(post.get("probability") or 0),
            kind=post.get("kind") or Stage.Kind.OPEN,
        )
    else:
        stage = selectors.stage_get(user=actor, pk=int(post["stage"]))
        if stage.pipeline_id != pipeline.pk:
            raise ValidationError(_("That stage belongs to another pipeline."))
        if action == "update_stage":
            services.stage_update(
                actor=actor,
                stage=stage,
                data={
                    "name": post["name"].strip(),
                    "probability": int(post["probability"]),
                    "kind": post["kind"],
                },
            )
        elif action == "delete_stage":
            services.stage_delete(actor=actor, stage=stage)
        elif action == "move_stage":
            ids = [s.pk for s in pipeline.stages.all()]
            index = ids.index(stage.pk)
            target = index + (1 if post.get("direction") == "down" else -1)
            if 0 <= target < len(ids):
                ids[index], ids[target] = ids[target], ids[index]
                services.stages_reorder(actor=actor, pipeline=pipeline, stage_ids=ids)
