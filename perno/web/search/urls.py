from django.urls import path

from perno.web.search import views

app_name = "search"

urlpatterns = [
    path("search/", views.results, name="results"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("search/saved/", views.saved_create, name="saved_create"),
    path("search/saved/<int:pk>/delete/", views.saved_delete, name="saved_delete"),
]
