from django.urls import path

from perno.web.contacts import vcards, views

app_name = "contacts"

urlpatterns = [
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/lookup/", views.company_lookup, name="company_lookup"),
    path("contacts/lookup/", views.contact_lookup, name="contact_lookup"),
    path("companies/new/", views.CompanyCreateView.as_view(), name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.CompanyUpdateView.as_view(), name="company_edit"),
    path("companies/<int:pk>/delete/", views.company_delete, name="company_delete"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/vcard/", vcards.contact_vcard, name="contact_vcard"),
    path("contacts/<int:pk>/companies/", views.contact_link_company, name="contact_link_company"),
    path(
        "contacts/<int:pk>/companies/<int:company_pk>/remove/",
        views.contact_unlink_company,
        name="contact_unlink_company",
    ),
    path("addresses/<str:record_type>/<int:pk>/", views.address_add, name="address_add"),
    path("addresses/<int:pk>/remove/", views.address_remove, name="address_remove"),
]
