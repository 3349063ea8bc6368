from typing import Any

app_name = "knowledge"

urlpatterns: list[Any] = []
