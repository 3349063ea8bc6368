"""The article and category forms: they shape input; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from perno.accounts.permissions import access_for
from perno.knowledge import selectors
from perno.knowledge.models import Article, ArticleVersion, language_choices
from perno.web.accounts.forms import style


class CategoryChoiceField(forms.ModelChoiceField):
    def __init__(self, user: Any, **kwargs: Any):
        self.depths = {c.pk: depth for c, depth in selectors.category_tree(user=user)}
        super().__init__(queryset=selectors.category_list(user=user), **kwargs)
        self.empty_label = "—"

    def label_from_instance(self, obj: Any) -> str:
        return "— " * self.depths.get(obj.pk, 0) + obj.name


class ArticleForm(forms.Form):
    """An article's details and the text of one language (a new version when it
    differs from the newest one)."""

    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=1000)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
        help_text=_(
            "Markdown: # heading, **bold**, *italic*, - list, [link](https://…), ``` code ```. "
            "HTML is cleaned: scripts, frames and images are removed."
        ),
    )
    format = forms.ChoiceField(label=_("Format"), choices=ArticleVersion.Format.choices)
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=1000,
        help_text=_("A short note for the version history, e.g. “New screenshot steps”."),
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Article.Visibility.choices)
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
    )
    is_confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_("Only roles allowed to see confidential data can see this record."),
    )
    publish = forms.BooleanField(
        label=_("Publish this version now"),
        required=False,
        help_text=_("Unticked, the new version is a draft that only editors see."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"] = CategoryChoiceField(user, label=_("Category"), required=False)
        if not access_for(user).see_confidential:
            del self.fields["is_confidential"]
        style(self)

    def tag_names(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]

    def details(self) -> dict[str, Any]:
        """The article's own fields for ``article_create`` / ``article_update``."""
        data = {
            "category": self.cleaned_data.get("category"),
            "visibility": self.cleaned_data["visibility"],
        }
        if "is_confidential" in self.fields:
            data["is_confidential"] = self.cleaned_data.get("is_confidential", False)
        return data


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=1000)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = CategoryChoiceField(
            user, label=_("Parent category"), required=False
        )
        style(self)

    def data_for_service(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data.get("name") or "",
            "parent": self.cleaned_data.get("parent"),
            "position": self.cleaned_data.get("position") or 0,
        }
