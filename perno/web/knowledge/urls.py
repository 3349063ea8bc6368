from django.urls import path

from perno.web.knowledge import categories, views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.ArticleListView.as_view(), name="article_list"),
    path("knowledge/new/", views.ArticleFormView.as_view(), name="article_create"),
    path("knowledge/<int:pk>/", views.article_detail, name="article_detail"),
    path("knowledge/<int:pk>/edit/", views.ArticleFormView.as_view(), name="article_edit"),
    path("knowledge/<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("knowledge/<int:pk>/archive/", views.article_archive, name="article_archive"),
    path("knowledge/<int:pk>/delete/", views.article_delete, name="article_delete"),
    path(
        "knowledge/<int:pk>/versions/<int:version_pk>/restore/",
        views.article_restore,
        name="article_restore",
    ),
    path("knowledge/categories/", categories.knowledge_categories, name="knowledge_categories"),
    path(
        "knowledge/categories/<int:pk>/",
        categories.knowledge_category_edit,
        name="knowledge_category_edit",
    ),
    path(
        "knowledge/categories/<int:pk>/delete/",
        categories.knowledge_category_delete,
        name="knowledge_category_delete",
    ),
]
