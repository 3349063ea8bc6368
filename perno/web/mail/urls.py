from typing import Any

app_name = "mail"

urlpatterns: list[Any] = []
