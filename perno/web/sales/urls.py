from django.urls import path

from perno.web.sales import deal_views, lead_views, order_views, pipeline_views, product_views

app_name = "sales"

urlpatterns = [
    path("leads/", lead_views.LeadListView.as_view(), name="lead_list"),
    path("leads/new/", lead_views.LeadCreateView.as_view(), name="lead_create"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_views.LeadUpdateView.as_view(), name="lead_edit"),
    path("leads/<int:pk>/convert/", lead_views.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", lead_views.lead_delete, name="lead_delete"),
    path("deals/", deal_views.DealListView.as_view(), name="deal_list"),
    path("deals/board/", deal_views.deal_board, name="deal_board"),
    path("deals/new/", deal_views.DealCreateView.as_view(), name="deal_create"),
    path("deals/<int:pk>/", deal_views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deal_views.DealUpdateView.as_view(), name="deal_edit"),
    path("deals/<int:pk>/move/", deal_views.deal_move, name="deal_move"),
    path("deals/<int:pk>/lose/", deal_views.deal_lose, name="deal_lose"),
    path("deals/<int:pk>/delete/", deal_views.deal_delete, name="deal_delete"),
    path("settings/pipelines/", pipeline_views.pipeline_settings, name="pipeline_settings"),
    path("products/", product_views.ProductListView.as_view(), name="product_list"),
    path("products/new/", product_views.ProductCreateView.as_view(), name="product_create"),
    path("products/<int:pk>/", product_views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", product_views.ProductUpdateView.as_view(), name="product_edit"),
    path("products/<int:pk>/delete/", product_views.product_delete, name="product_delete"),
    path("orders/", order_views.OrderListView.as_view(), name="order_list"),
    path("orders/new/", order_views.OrderCreateView.as_view(), name="order_create"),
    path("orders/<int:pk>/", order_views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", order_views.OrderUpdateView.as_view(), name="order_edit"),
    path("orders/<int:pk>/delete/", order_views.order_delete, name="order_delete"),
]
