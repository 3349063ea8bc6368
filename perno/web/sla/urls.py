from typing import Any

app_name = "sla"

urlpatterns: list[Any] = []
