"""Vulture allow-list: names vulture reports as unused that are used.

Vulture sees only Python calls; these are read by name or path by Django, django-ninja,
django-filter, Celery, pytest, the templates or the standard library. `make lint` runs
    vulture perno vulture_allowlist.py --min-confidence 60 --exclude "*/migrations/*"
with the ignored decorators and names of [tool.vulture] in pyproject.toml.
Regenerate candidates with --make-whitelist; an entry goes here only once checked (by
grep: templates, settings strings, tests, bench/) to be used. One entry per name:
vulture matches names, not places, so the place is the first one reported."""

# ruff: noqa: B018, F821
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# Django settings, the root URLconf and the WSGI application: Django reads them by name
# (PERNO_TEST_REDIS_URL is read by tests/test_worker.py, outside perno/).
ALLOWED_HOSTS  # unused variable (perno/config/settings/base.py:31)
CSRF_TRUSTED_ORIGINS  # unused variable (perno/config/settings/base.py:32)
INSTALLED_APPS  # unused variable (perno/config/settings/base.py:34)
MIDDLEWARE  # unused variable (perno/config/settings/base.py:60)
ROOT_URLCONF  # unused variable (perno/config/settings/base.py:80)
WSGI_APPLICATION  # unused variable (perno/config/settings/base.py:81)
TEMPLATES  # unused variable (perno/config/settings/base.py:83)
DEFAULT_AUTO_FIELD  # unused variable (perno/config/settings/base.py:126)
LOGIN_URL  # unused variable (perno/config/settings/base.py:129)
LOGIN_REDIRECT_URL  # unused variable (perno/config/settings/base.py:130)
LOGOUT_REDIRECT_URL  # unused variable (perno/config/settings/base.py:131)
AUTH_PASSWORD_VALIDATORS  # unused variable (perno/config/settings/base.py:136)
LOCALE_PATHS  # unused variable (perno/config/settings/base.py:148)
TIME_ZONE  # unused variable (perno/config/settings/base.py:149)
USE_I18N  # unused variable (perno/config/settings/base.py:150)
USE_TZ  # unused variable (perno/config/settings/base.py:151)
USE_THOUSAND_SEPARATOR  # unused variable (perno/config/settings/base.py:152)
STATIC_URL  # unused variable (perno/config/settings/base.py:154)
STORAGES  # unused variable (perno/config/settings/base.py:158)
WHITENOISE_USE_FINDERS  # unused variable (perno/config/settings/base.py:162)
SESSION_COOKIE_HTTPONLY  # unused variable (perno/config/settings/base.py:164)
SESSION_COOKIE_SAMESITE  # unused variable (perno/config/settings/base.py:165)
SESSION_COOKIE_AGE  # unused variable (perno/config/settings/base.py:167)
SESSION_SAVE_EVERY_REQUEST  # unused variable (perno/config/settings/base.py:168)
SESSION_EXPIRE_AT_BROWSER_CLOSE  # unused variable (perno/config/settings/base.py:169)
CSRF_COOKIE_HTTPONLY  # unused variable (perno/config/settings/base.py:170)
X_FRAME_OPTIONS  # unused variable (perno/config/settings/base.py:171)
SECURE_CONTENT_TYPE_NOSNIFF  # unused variable (perno/config/settings/base.py:172)
SECURE_REFERRER_POLICY  # unused variable (perno/config/settings/base.py:173)
SECURE_CROSS_ORIGIN_OPENER_POLICY  # unused variable (perno/config/settings/base.py:174)
SECURE_CSP  # unused variable (perno/config/settings/base.py:175)
PASSWORD_RESET_TIMEOUT  # unused variable (perno/config/settings/base.py:197)
OTP_TOTP_ISSUER  # unused variable (perno/config/settings/base.py:198)
DATA_UPLOAD_MAX_MEMORY_SIZE  # unused variable (perno/config/settings/base.py:222)
FILE_UPLOAD_MAX_MEMORY_SIZE  # unused variable (perno/config/settings/base.py:223)
CELERY_BROKER_URL  # unused variable (perno/config/settings/base.py:230)
CELERY_TASK_EAGER_PROPAGATES  # unused variable (perno/config/settings/base.py:232)
CELERY_TASK_IGNORE_RESULT  # unused variable (perno/config/settings/base.py:233)
CELERY_TASK_ACKS_LATE  # unused variable (perno/config/settings/base.py:234)
CELERY_WORKER_PREFETCH_MULTIPLIER  # unused variable (perno/config/settings/base.py:235)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP  # unused variable (perno/config/settings/base.py:236)
CACHES  # unused variable (perno/config/settings/base.py:262)
DEFAULT_FROM_EMAIL  # unused variable (perno/config/settings/base.py:268)
MAILERS  # unused variable (perno/config/settings/base.py:273)
LOGGING  # unused variable (perno/config/settings/base.py:291)
NINJA_PAGINATION_PER_PAGE  # unused variable (perno/config/settings/base.py:298)
SESSION_COOKIE_SECURE  # unused variable (perno/config/settings/prod.py:31)
CSRF_COOKIE_SECURE  # unused variable (perno/config/settings/prod.py:32)
SECURE_PROXY_SSL_HEADER  # unused variable (perno/config/settings/prod.py:34)
SECURE_SSL_REDIRECT  # unused variable (perno/config/settings/prod.py:35)
SECURE_REDIRECT_EXEMPT  # unused variable (perno/config/settings/prod.py:36)
SECURE_HSTS_SECONDS  # unused variable (perno/config/settings/prod.py:37)
SECURE_HSTS_INCLUDE_SUBDOMAINS  # unused variable (perno/config/settings/prod.py:38)
SECURE_HSTS_PRELOAD  # unused variable (perno/config/settings/prod.py:39)
PERNO_TEST_REDIS_URL  # unused variable (perno/config/settings/test.py:35)
urlpatterns  # unused variable (perno/config/urls.py:8)
application  # unused variable (perno/config/wsgi.py:6)

# Named by dotted path in the settings: app configs (INSTALLED_APPS) with their ready()
# and options, middleware (MIDDLEWARE), password validators (AUTH_PASSWORD_VALIDATORS),
# context processors (TEMPLATES).
AccountsConfig  # unused class (perno/accounts/apps.py:4)
DuplicatesConfig  # unused class (perno/duplicates/apps.py:5)
SecurityPolicyMiddleware  # unused class (perno/accounts/middleware.py:27)
NoPersonalDataValidator  # unused class (perno/accounts/validators.py:9)
PasswordStrengthValidator  # unused class (perno/accounts/validators.py:15)
NoStoreMiddleware  # unused class (perno/accounts/middleware.py)
# The error views, named by the URL conf (handler400...) and CSRF_FAILURE_VIEW.
bad_request  # unused function (perno/web/errors.py)
permission_denied  # unused function (perno/web/errors.py)
server_error  # unused function (perno/web/errors.py)
csrf_failure  # unused function (perno/web/errors.py)
ActivitiesConfig  # unused class (perno/activities/apps.py:4)
_.ready  # unused method (perno/activities/apps.py:8)
AnalyticsConfig  # unused class (perno/analytics/apps.py:4)
ApiConfig  # unused class (perno/api/apps.py:4)
AuditConfig  # unused class (perno/audit/apps.py:4)
AuditOriginMiddleware  # unused class (perno/audit/middleware.py:15)
ContactsConfig  # unused class (perno/contacts/apps.py:4)
RequestInputMiddleware  # unused class (perno/core/middleware.py)
ConflictMiddleware  # unused class (perno/core/integrity.py)
AccessLogMiddleware  # unused class (perno/core/access_log.py)
SealErrorMiddleware  # unused class (perno/core/middleware.py:65)
MarketingConfig  # unused class (perno/marketing/apps.py:4)
PrivacyConfig  # unused class (perno/privacy/apps.py:5)
default_auto_field  # unused variable (perno/privacy/apps.py:9)
RecordsConfig  # unused class (perno/records/apps.py:29)
SalesConfig  # unused class (perno/sales/apps.py:4)
HealthConfig  # unused class (perno/health/apps.py:5)
SearchConfig  # unused class (perno/search/apps.py:4)
HistoryMiddleware  # unused class (perno/search/history.py:83)
WebConfig  # unused class (perno/web/apps.py:4)
navigation  # unused function (perno/web/context_processors.py:29)

# URLconf modules: Django reads app_name and urlpatterns by name.
app_name  # unused variable (perno/web/accounts/urls.py:6)

# Template tags and filters: registered with @register and used in the templates.
money  # unused function (perno/web/templatetags/perno.py:18)
sort_link  # unused function (perno/web/templatetags/perno.py:42)
sealed_mark  # unused function (perno/web/templatetags/perno.py:62)
ref_text  # unused function (perno/web/templatetags/perno.py:93)
reasons_text  # unused function (perno/duplicates/templatetags/duplicates.py:10)

# Celery tasks started by name from CELERY_BEAT_SCHEDULE.
send_activity_reminders_task  # unused function (perno/activities/tasks.py:8)
privacy_daily_task  # unused function (perno/privacy/tasks.py:30)
purge_search_history_task  # unused function (perno/search/tasks.py:8)

# Model fields, Meta options and choices: read by the ORM, migrations, forms, admin,
# templates and exports; fields written by the services (obj.field = ...; save()).
mailed_at  # unused variable (perno/health/models.py:17): read as mailed_at__isnull
found_at  # unused variable (perno/duplicates/models.py:120): written by the finder
decided_at  # unused variable (perno/duplicates/models.py:121): written by the services
ordering  # unused variable (perno/accounts/models.py:22)
MARKETING  # unused variable (perno/accounts/models.py:39)
AUDITOR  # unused variable (perno/accounts/models.py:41)
code_hash  # unused variable (perno/accounts/models.py:222)
used_at  # unused variable (perno/accounts/models.py:223)
MEETING  # unused variable (perno/activities/models.py:24)
LOW  # unused variable (perno/activities/models.py:35)
URGENT  # unused variable (perno/activities/models.py:38)
reminded_at  # unused variable (perno/activities/models.py:71)
uploaded_by  # unused variable (perno/activities/models.py:257)
read_at  # unused variable (perno/activities/models.py:283)
started_by  # unused variable (perno/analytics/models.py:136)
ATTRACTION  # unused variable (perno/analytics/models.py:178)
CHAMPIONS  # unused variable (perno/analytics/models.py:184)
LOYAL  # unused variable (perno/analytics/models.py:185)
POTENTIAL  # unused variable (perno/analytics/models.py:186)
PROMISING  # unused variable (perno/analytics/models.py:188)
NEED_ATTENTION  # unused variable (perno/analytics/models.py:189)
ABOUT_TO_SLEEP  # unused variable (perno/analytics/models.py:190)
AT_RISK  # unused variable (perno/analytics/models.py:191)
CANT_LOSE  # unused variable (perno/analytics/models.py:192)
HIBERNATING  # unused variable (perno/analytics/models.py:193)
first_order  # unused variable (perno/analytics/models.py:206)
last_order  # unused variable (perno/analytics/models.py:207)
expected_90  # unused variable (perno/analytics/models.py:218)
expected_180  # unused variable (perno/analytics/models.py:219)
BILLING  # unused variable (perno/contacts/models.py:182)
SHIPPING  # unused variable (perno/contacts/models.py:183)
HOME  # unused variable (perno/contacts/models.py:184)
CLOSED  # unused variable (perno/marketing/models.py:33)
LIKERT  # unused variable (perno/marketing/models.py:79)
SATISFACTION  # unused variable (perno/marketing/models.py:89)
BOND_STAY  # unused variable (perno/marketing/models.py:90)
BOND_RECOMMEND  # unused variable (perno/marketing/models.py:91)
BOND_OTHER  # unused variable (perno/marketing/models.py:92)
BOND_IRREPLACEABLE  # unused variable (perno/marketing/models.py:93)
BOND_TRUST  # unused variable (perno/marketing/models.py:94)
BOND_FITS  # unused variable (perno/marketing/models.py:95)
NPS  # unused variable (perno/marketing/models.py:96)
CSAT  # unused variable (perno/marketing/models.py:97)
send_error  # unused variable (perno/marketing/models.py:141)
created_by  # unused variable (perno/marketing/models.py:143)
counted_at  # unused variable (perno/marketing/models.py:218)
added_at  # unused variable (perno/marketing/models.py:237)
_.counted_at  # unused attribute (perno/marketing/segments.py:261)
PORTAL  # unused variable (perno/privacy/models/consent.py:17)
PAPER  # unused variable (perno/privacy/models/consent.py:20)
OPERATOR  # unused variable (perno/privacy/models/consent.py:22)
confirmed_ip  # unused variable (perno/privacy/models/consent.py:111)
confirmed_user_agent  # unused variable (perno/privacy/models/consent.py:112)
lifted_by  # unused variable (perno/privacy/models/consent.py:167)
people_affected  # unused variable (perno/privacy/models/operations.py:50)
records_affected  # unused variable (perno/privacy/models/operations.py:53)
consequences  # unused variable (perno/privacy/models/operations.py:56)
measures  # unused variable (perno/privacy/models/operations.py:57)
authority_reference  # unused variable (perno/privacy/models/operations.py:64)
people_notice  # unused variable (perno/privacy/models/operations.py:66)
CONTRACT  # unused variable (perno/privacy/models/register.py:16)
LEGAL_OBLIGATION  # unused variable (perno/privacy/models/register.py:17)
VITAL_INTERESTS  # unused variable (perno/privacy/models/register.py:18)
published_at  # unused variable (perno/privacy/models/register.py:127)
RECTIFICATION  # unused variable (perno/privacy/models/subject_requests.py:23)
requester_email  # unused variable (perno/privacy/models/subject_requests.py:42)
requester_phone  # unused variable (perno/privacy/models/subject_requests.py:43)
handled_by  # unused variable (perno/privacy/models/subject_requests.py:72)
requested_by  # unused variable (perno/privacy/models/subject_requests.py:120)
downloaded_at  # unused variable (perno/privacy/models/subject_requests.py:125)
downloaded_by  # unused variable (perno/privacy/models/subject_requests.py:126)
_.downloaded_at  # unused attribute (perno/privacy/requests.py:306)
_.downloaded_by  # unused attribute (perno/privacy/requests.py:306)
_.confirmed_ip  # unused attribute (perno/privacy/services/links.py:113)
_.confirmed_user_agent  # unused attribute (perno/privacy/services/links.py:114)
_.lifted_by  # unused attribute (perno/privacy/services/restrictions.py:62)
abstract  # unused variable (perno/records/models.py:29)
CONTACTED  # unused variable (perno/sales/models.py:61)
QUALIFIED  # unused variable (perno/sales/models.py:62)
UNQUALIFIED  # unused variable (perno/sales/models.py:63)
_.chars  # unused attribute (perno/search/documents.py:273)
chars  # unused variable (perno/search/models.py:156)

# django-filter filters: declared on a FilterSet and applied from the query string by
# name.
priority  # unused variable (perno/activities/filters.py:15)
due_after  # unused variable (perno/activities/filters.py:19)
due_before  # unused variable (perno/activities/filters.py:22)
created_after  # unused variable (perno/records/filtering.py:63)
created_before  # unused variable (perno/records/filtering.py:66)
amount_min  # unused variable (perno/sales/filters.py:45)
amount_max  # unused variable (perno/sales/filters.py:48)
closing_after  # unused variable (perno/sales/filters.py:51)
closing_before  # unused variable (perno/sales/filters.py:54)
ordered_after  # unused variable (perno/sales/filters.py:99)
ordered_before  # unused variable (perno/sales/filters.py:102)

# Django forms and class-based views: form fields, widgets and Meta, and the attributes
# and hooks Django reads (success_url, template names, empty_label, _post_clean...).
widgets  # unused variable (perno/web/accounts/forms.py:92)
redirect_authenticated_user  # unused variable (perno/web/accounts/views.py:30)
success_url  # unused variable (perno/web/accounts/views.py:166)
email_template_name  # unused variable (perno/web/accounts/views.py:180)
subject_template_name  # unused variable (perno/web/accounts/views.py:181)
allow_multiple_selected  # unused variable (perno/web/activities/forms.py:13)
_.empty_label  # unused attribute (perno/web/forms.py:61)
_._post_clean  # unused method (perno/web/forms.py:121)
_.disabled  # unused attribute (perno/web/marketing/forms.py:147)
_.input_formats  # unused attribute (perno/web/privacy/forms.py:280)
agree  # unused variable (perno/web/privacy/public_views.py:27)
_.label_from_instance  # unused attribute (perno/web/sales/forms.py:100)
_.help_text  # unused attribute (perno/web/sales/forms.py:186)
choices_text  # unused variable (perno/web/views.py:132)

# Read in templates or outside perno/: attributes set on forms and dataclasses for the
# templates, dataclass fields exported with asdict(), bench/ reads rows_with_links.
_.is_overdue  # unused property (perno/activities/models.py:144)
height  # unused variable (perno/analytics/charts.py:22)
iterations  # unused variable (perno/analytics/clv.py:40)
title_html  # unused variable (perno/search/engine.py:57)
too_short  # unused variable (perno/search/engine.py:71)
_.rows_with_links  # unused property (perno/seed/generator.py:89)
extra_links  # unused variable (perno/web/lists.py:142)
_.criteria_rows  # unused method (perno/web/marketing/forms.py:149)
_.fields_spec  # unused attribute (perno/web/marketing/views.py:296)
_.line_rows  # unused attribute (perno/web/sales/order_views.py:41)

# django-ninja and pydantic: schema fields (the JSON answer), auth classes
# (authenticate, openapi_description) and validators. Routes, exception handlers and
# resolve_* methods are ignored in [tool.vulture] (pyproject.toml).
last_login  # unused variable (perno/api/accounts/schemas.py:90)
available  # unused variable (perno/api/accounts/schemas.py:127)
download_url  # unused variable (perno/api/activities/schemas.py:83)
openapi_description  # unused variable (perno/api/auth.py:21)
model_config  # unused variable (perno/api/bulk/schemas.py: pydantic reads it, extra fields refused)
skipped_by_reason  # unused variable (perno/api/bulk/schemas.py: BulkResultOut)
_.authenticate  # unused method (perno/api/auth.py:23)
_._hide_confidential  # unused method (perno/api/common.py:229)
_._within_limits  # unused method (perno/api/inputs.py: a pydantic field validator)
_.parse_body  # unused method (perno/api/parser.py: django-ninja calls it)
website  # unused variable (perno/api/contacts/schemas.py:28)
employees  # unused variable (perno/api/contacts/schemas.py:32)
recorded_at  # unused variable (perno/api/privacy/views.py:38)
converted_contact_id  # unused variable (perno/api/sales/schemas.py:30)
converted_company_id  # unused variable (perno/api/sales/schemas.py:31)
converted_deal_id  # unused variable (perno/api/sales/schemas.py:32)
expected_close_date  # unused variable (perno/api/sales/schemas.py:146)
close_reason  # unused variable (perno/api/sales/schemas.py:148)
total_is_capped  # unused variable (perno/api/search/views.py:42)

# Methods called by the framework or the standard library: Django's user and
# middleware hooks, password validator help text, HTMLParser callbacks; the arguments
# of signal handlers are fixed by signal.signal().
_.get_session_auth_hash  # unused method (perno/accounts/models.py:114)
_.get_help_text  # unused method (perno/accounts/validators.py:33)
frame  # unused variable (perno/cli/server.py:57)
signum  # unused variable (perno/cli/server.py:57)
_.process_exception  # unused method (perno/core/middleware.py:76)
_.handle_starttag  # unused method (perno/search/documents.py:59)
_.handle_endtag  # unused method (perno/search/documents.py:65)
_.handle_data  # unused method (perno/search/documents.py:69)

# pytest fixtures, requested by argument name (pytestmark is ignored in [tool.vulture]).
cdnow  # unused function (perno/analytics/tests/test_cdnow.py:38)
tax_code  # unused function (perno/privacy/tests/test_encryption.py:48)
background  # unused function (perno/analytics/tests/test_panel_truth.py:54)

# Issue 19, point 8: settings Django reads by name; the date formats Django reads from
# FORMAT_MODULE_PATH; filter methods django-filter calls by their name (method="...").
FORMAT_MODULE_PATH  # unused variable (perno/config/settings/base.py)
WHITENOISE_ROOT  # unused variable (perno/config/settings/base.py)
DATE_FORMAT  # unused variable (perno/core/formats/*/formats.py)
SHORT_DATE_FORMAT  # unused variable (perno/core/formats/*/formats.py)
DATETIME_FORMAT  # unused variable (perno/core/formats/*/formats.py)
SHORT_DATETIME_FORMAT  # unused variable (perno/core/formats/*/formats.py)
TIME_FORMAT  # unused variable (perno/core/formats/*/formats.py)
_.filter_todo  # unused method (perno/activities/filters.py)
_.filter_overdue  # unused method (perno/activities/filters.py)

# Merging (issue 20, point 4): the app config, the task started by name from
# CELERY_BEAT_SCHEDULE, model fields read by the ORM and templates, API schema fields.
MergingConfig  # unused class (perno/merging/apps.py)
merges_purge_task  # unused function (perno/merging/tasks.py)
survivor_contact  # unused variable (perno/merging/models.py)
survivor_company  # unused variable (perno/merging/models.py)
undone_by  # unused variable (perno/merging/models.py)
survivor_text  # unused variable (perno/merging/selectors.py: the compare template)
merged_text  # unused variable (perno/merging/selectors.py: the compare template)
same  # unused variable (perno/merging/selectors.py: the compare template)
merged_by  # unused variable (perno/api/merging/views.py: MergeOut)
saved_mapping  # unused variable (perno/web/imports/forms.py: a form field)
date_order  # unused variable (perno/web/imports/forms.py: a form field)

# Imports (issue 20, point 1): the app config, the task started by name from
# CELERY_BEAT_SCHEDULE, choices used through the ORM, API schema fields and resolvers,
# autouse fixtures and the limits the tests lower through pytest-django's settings.
ImportsConfig  # unused class (perno/imports/apps.py)
purge_imports_task  # unused function (perno/imports/tasks.py)
LEAD  # unused variable (perno/imports/models.py)
PRODUCT  # unused variable (perno/imports/models.py)
ACTIVITY  # unused variable (perno/imports/models.py)
ORDER  # unused variable (perno/imports/models.py)
has_bad_rows  # unused variable (perno/api/imports/views.py)
record_id  # unused variable (perno/api/imports/views.py)
computed_at  # unused variable (perno/api/health/views.py)
_import_dir  # unused function (autouse fixtures of the import tests)
_.PERNO_IMPORT_MAX_COLUMNS  # unused attribute (perno/imports/tests/test_files.py)
_.PERNO_IMPORT_MAX_ROWS  # unused attribute (perno/imports/tests/test_files.py)
_.PERNO_IMPORT_MAX_CELLS  # unused attribute (perno/imports/tests/test_files.py)
_.PERNO_IMPORT_MAX_ZIP_RATIO  # unused attribute (perno/imports/tests/test_files.py)
_.PERNO_IMPORT_MAX_UNZIPPED_BYTES  # unused attribute (perno/imports/tests/test_files.py)
_.shown_name  # unused attribute (perno/merging/selectors.py; read by the merging templates)

# The knowledge base (issue 21, point 4): the app config, FilterSet methods named by
# `method=`, API schema fields.
KnowledgeConfig  # unused class (perno/knowledge/apps.py)
_.filter_category  # unused method (perno/knowledge/filters.py)
_.filter_language  # unused method (perno/knowledge/filters.py)
published_languages  # unused variable (perno/api/knowledge/schemas.py: ArticleOut)
restored_from_id  # unused variable (perno/api/knowledge/schemas.py: VersionSummaryOut)

# The calendar (issue 21, point 5): a form's clean_<field>, a field shown by a template,
# an API schema field, an autouse fixture.
_.clean_file  # unused method (perno/web/activities/calendar_forms.py: IcsImportForm)
invited_by  # unused variable (perno/activities/models.py: CalendarInvitation, invite page)
time_zone  # unused variable (perno/api/activities/calendar.py: EntriesOut)
_no_rate_memory  # unused function (autouse fixture of perno/activities/tests/test_calendar_feed.py)

# Service levels (issue 21, point 2): the app config, a choice, methods and a filter the
# templates read, a ModelForm Meta option.
SlaConfig  # unused class (perno/sla/apps.py)
ITALY  # unused variable (perno/sla/models.py: BusinessCalendar.Country)
_.working_days  # unused method (perno/sla/models.py; sla/settings.html)
working_time  # unused function (perno/sla/templatetags/sla.py; sla/settings.html)
_.weekday_fields  # unused method (perno/web/sla/forms.py; sla/calendar_form.html)
_.other_fields  # unused method (perno/web/sla/forms.py; sla/calendar_form.html)
help_texts  # unused variable (perno/web/sla/forms.py: PolicyForm.Meta)

# The care pages and dashboard (issue 21, points 1, 2 and 6): API schema fields of the
# dashboard, a field the case page's SLA panel shows.
sla  # unused variable (perno/api/cases/views.py: OpenOut)
p90  # unused variable (perno/api/cases/views.py: TimesOut)
first_response_median  # unused variable (perno/api/cases/views.py: AgentOut)
resolution_median  # unused variable (perno/api/cases/views.py: AgentOut)
state_label  # unused variable (perno/web/cases/sla.py: TargetView, cases/pages/case_detail.html)

# The mail pages (issue 21, point 3): a form field and a method the templates read, a
# form's clean_<field>, the per-response policy Django's CSP middleware reads, a setting
# a test lowers.
smtp_password_clear  # unused variable (perno/web/mail/forms.py: MailboxForm)
_.sections  # unused method (perno/web/mail/forms.py; mail/mailbox_form.html)
_.clean_reply_to  # unused method (perno/web/mail/forms.py: ComposeForm)
_._csp_config  # unused attribute (perno/web/mail/message_views.py; django.middleware.csp)
_.PERNO_MAIL_MAX_EML_BYTES  # unused attribute (perno/mail/tests/test_pages_messages.py)

# Cases (issue 21, points 1 and 2): the app config, the Celery task (beat), choices and
# fields read by name (API schemas, django-filter, the SLA job's flags set by
# ``update(**{flag: ...})``), filter methods django-filter calls, a method the timeline
# partial reads.
CasesConfig  # unused class (perno/cases/apps.py)
sla_check_task  # unused function (perno/cases/tasks.py; CELERY_BEAT_SCHEDULE)
ROUND_ROBIN  # unused variable (perno/cases/models.py: Queue.Assignment)
CHAT  # unused variable (perno/cases/models.py: Case.Channel)
SOCIAL  # unused variable (perno/cases/models.py: Case.Channel)
last_assigned_at  # unused variable (perno/cases/models.py: QueueMember; api MemberOut)
first_response_warned_at  # unused variable (perno/cases/models.py: set by cases.escalation)
resolution_warned_at  # unused variable (perno/cases/models.py: set by cases.escalation)
_.get_sla_state_display  # unused method (perno/cases/models.py; cases/partials/_timeline_case.html)
unassigned  # unused variable (perno/cases/filters.py: CaseFilter)
_.filter_status  # unused method (perno/cases/filters.py: CaseFilter, method="filter_status")
_.filter_sla  # unused method (perno/cases/filters.py: CaseFilter, method="filter_sla")
contact_phone  # unused variable (perno/api/cases/schemas.py: CaseIn)
escalate_to_id  # unused variable (perno/api/cases/schemas.py: QueueIn, QueuePatch)
satisfaction_survey_id  # unused variable (perno/api/cases/schemas.py: QueueIn, QueuePatch)

# Mailboxes and messages (issue 21, point 3): the app config, the Celery task (beat),
# Django's SMTP backend reading ``ssl_context``, fields written by ``update(**fields)``
# or filtered by name, an API schema field, an autouse fixture and settings tests lower.
MailConfig  # unused class (perno/mail/apps.py)
poll_mailboxes_task  # unused function (perno/mail/tasks.py; CELERY_BEAT_SCHEDULE)
_.ssl_context  # unused method (perno/mail/credentials.py: MailboxBackend, read by EmailBackend.open)
last_error_at  # unused variable (perno/mail/models.py: Mailbox, set by polling.failed)
lease_until  # unused variable (perno/mail/models.py: Mailbox, claimed by polling._claim)
text_note  # unused variable (perno/mail/models.py: MailAttachment; api AttachmentOut)
case_urls  # unused function (autouse fixture of perno/mail/tests/conftest.py)
_.PERNO_MAIL_SENDER_RATE  # unused attribute (perno/mail/tests/test_cases.py)
_.PERNO_MAIL_FETCH_BATCH  # unused attribute (perno/mail/tests/test_import.py)
_.PERNO_MAIL_MAX_ATTACHMENT_BYTES  # read by name (perno/mail/config.py)

# aiosmtpd calls its handler's hooks by name (the SMTP servers of the mail tests).
_.handle_DATA  # unused method (perno/mail/tests/test_sending.py:200)
