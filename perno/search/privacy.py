"""The search index copies personal data from the records (names, e-mail addresses,
phones, notes, document text): it is derived data, removed with its record (the record
services delete a record's entries in the transaction that deletes it) and rebuilt from
the records. On PostgreSQL ``search_start`` holds two- to five-letter starts of title
words per entry; a trigger deletes them with their entry (and truncates them with the
index). The vocabulary holds single words of indexed text (names included) and
loses a word when no entry holds it any more. History and saved searches belong to
the user; history expires after PERNO_SEARCH_HISTORY_DAYS."""

from perno.core.privacy import declare
from perno.search.models import (
    DocumentText,
    SavedSearch,
    SearchEntry,
    SearchState,
    SearchVisit,
    SearchWord,
)

declare(
    SearchEntry,
    subject="the person the indexed record, comment or document is about",
    personal={
        "title": "identity",
        "subtitle": "identity",
        "body": "free_text",
        "secret": "free_text",
    },
    not_personal={"kind", "subject", "url", "tag_ids"},
    erasure="derived",
)
declare(
    SearchWord,
    subject="people whose names are words of the index",
    personal={"word": "identity"},
    erasure="derived",
)
declare(SearchState, personal={}, not_personal={"key"})
declare(
    SearchVisit,
    subject="the user (what they opened or edited)",
    personal={"kind": "usage", "object_id": "usage", "last_at": "usage"},
    erasure="delete",
    retain_from="last_at",
    about_note="users' visits to the contact's record (kind contact, its id)",
)
declare(
    SavedSearch,
    subject="the user, and people named in the saved query",
    personal={"name": "free_text", "query": "free_text", "params": "usage"},
    erasure="delete",
    retained_with="user",
    about_note="saved searches whose words name the contact (name, e-mail or phone)",
)
declare(
    DocumentText,
    subject="none (the state of a file's text extraction)",
    personal={},
    not_personal={"status", "reason"},
)
