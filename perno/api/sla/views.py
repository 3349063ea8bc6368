from ninja import Router

router = Router(tags=["service levels"])
