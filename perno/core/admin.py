from django.contrib import admin

from perno.core.models import Tag

admin.site.register(Tag)
