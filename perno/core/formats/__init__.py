"""Perno's date and time formats, one per language (``FORMAT_MODULE_PATH``).

Django's own formats mix a long and a short form per language (Italian shows
"giovedì 5 marzo 2026 14:30" in one place and "05/03/2026 14:30" in another; English
uses the American month first). Here the long names equal the short ones, so a date
reads the same on every page, list, history, e-mail and notification of a language.
Input formats are Django's (not set here)."""
