from django.urls import path

from perno.web.mail import compose_views, mailbox_views, message_views, template_views

app_name = "mail"

urlpatterns = [
    # Mailboxes (shared ones by who has the rights; personal ones by their owner).
    path("mail/mailboxes/", mailbox_views.mailbox_list, name="mailbox_list"),
    path("mail/mailboxes/new/", mailbox_views.mailbox_create, name="mailbox_create"),
    path("mail/mailboxes/<int:pk>/", mailbox_views.mailbox_detail, name="mailbox_detail"),
    path("mail/mailboxes/<int:pk>/edit/", mailbox_views.mailbox_edit, name="mailbox_edit"),
    path("mail/mailboxes/<int:pk>/test/", mailbox_views.mailbox_test, name="mailbox_test"),
    path("mail/mailboxes/<int:pk>/active/", mailbox_views.mailbox_active, name="mailbox_active"),
    path("mail/mailboxes/<int:pk>/delete/", mailbox_views.mailbox_delete, name="mailbox_delete"),
    # Messages.
    path("mail/messages/<int:pk>/", message_views.message_detail, name="message_detail"),
    path("mail/messages/<int:pk>/delete/", message_views.message_delete, name="message_delete"),
    path("mail/attachments/<int:pk>/", message_views.mail_attachment, name="mail_attachment"),
    path(
        "mail/compose/<str:record_type>/<int:pk>/",
        compose_views.mail_compose,
        name="mail_compose",
    ),
    path("mail/eml/<str:record_type>/<int:pk>/", message_views.mail_eml, name="mail_eml"),
    path("mail/cases/<int:pk>/", message_views.case_mail, name="case_mail"),
    # Templates (administrators).
    path("mail/templates/", template_views.mail_templates, name="mail_templates"),
    path("mail/templates/new/", template_views.mail_template_create, name="mail_template_create"),
    path("mail/templates/<int:pk>/", template_views.mail_template_edit, name="mail_template_edit"),
    path(
        "mail/templates/<int:pk>/delete/",
        template_views.mail_template_delete,
        name="mail_template_delete",
    ),
]
