"""Importing an .ics file (parsed with the ``icalendar`` package) as the user's meetings.

- All or nothing: the file is read whole first; any problem (not iCalendar, an event
  without a start, an end before its start, an unknown time zone, a repeat rule that is
  not understood) is a clear error naming the event, and nothing is stored. The writes
  then run in one transaction.
- Time zones are honoured: a TZID of the IANA database or of Windows (Outlook), or one
  defined by a VTIMEZONE in the file; a time without a zone ("floating") and an all-day
  event are read in the user's time zone. An all-day event starts at midnight and lasts
  its days.
- Recurring events (RRULE, RDATE, EXDATE, and changed occurrences with RECURRENCE-ID) are
  expanded into one meeting per occurrence within a bounded window, 90 days back to a
  year ahead; a rule repeating more often than daily, or more than 500 times in the
  window, is refused with a message saying so.
- Importing the same file again adds nothing: each meeting remembers its event's UID
  (and occurrence); a changed event updates its meeting (through ``activity_update``:
  the gate, the version and the change history), an unchanged one is left alone.
- Only VEVENTs become meetings; to-dos, journal entries and free/busy blocks in the
  file are counted and left out."""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from dateutil.rrule import rrule, rruleset, rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event

from perno.accounts.permissions import can, check
from perno.activities import services
from perno.activities.calendar_time import calendar_zone
from perno.activities.models import MAX_DURATION_MINUTES, Activity, ImportedEvent
from perno.core.inputs import moment_problem, text_problem

MAX_BYTES = 1024 * 1024
MAX_MEETINGS = 1000
MAX_OCCURRENCES = 500
MAX_STEPS = 200_000  # repeat-rule steps over the whole file (a rule from 1900 is fine)
WINDOW_BEFORE = datetime.timedelta(days=90)
WINDOW_AFTER = datetime.timedelta(days=365)
SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
MAX_DESCRIPTION = 20_000


@dataclass
class Meeting:
    """One meeting to create or update, read from the file."""

    uid: str
    recurrence_id: str
    sequence: int
    start: datetime.datetime
    minutes: int | None
    subject: str
    description: str
    cancelled: bool


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # changed in the file, but the user may no longer edit the meeting
    series: int = 0  # recurring events expanded
    ignored: int = 0  # components other than events
    meetings: list[Meeting] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            ngettext("%(n)s meeting created", "%(n)s meetings created", self.created)
            % {"n": self.created},
            ngettext("%(n)s updated", "%(n)s updated", self.updated) % {"n": self.updated},
            ngettext("%(n)s already up to date", "%(n)s already up to date", self.unchanged)
            % {"n": self.unchanged},
        ]
        text = ", ".join(parts) + "."
        if self.series:
            text += " " + ngettext(
                "%(n)s recurring event was expanded into its occurrences from 90 days ago to a year ahead.",
                "%(n)s recurring events were expanded into their occurrences from 90 days ago to a year ahead.",
                self.series,
            ) % {"n": self.series}
        if self.kept:
            text += " " + ngettext(
                "%(n)s changed meeting was left as it is: you may no longer edit it.",
                "%(n)s changed meetings were left as they are: you may no longer edit them.",
                self.kept,
            ) % {"n": self.kept}
        if self.ignored:
            text += " " + ngettext(
                "%(n)s to-do or other entry that is not an event was left out.",
                "%(n)s to-dos or other entries that are not events were left out.",
                self.ignored,
            ) % {"n": self.ignored}
        return text


class _Problems(Exception):
    """One event's problem, raised while reading it."""


def _label(event: Event, number: int) -> str:
    summary = str(event.get("SUMMARY") or "").strip()[:60]
    return (
        _("event %(n)s (“%(summary)s”)") % {"n": number, "summary": summary}
        if summary
        else _("event %(n)s") % {"n": number}
    )


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _key(moment: datetime.datetime) -> str:
    # The iCalendar form of a UTC time (20300710T070000Z), as a key.
    basic = _utc(moment).replace(tzinfo=None).isoformat(timespec="seconds")
    return basic.replace("-", "").replace(":", "") + "Z"


class _Reader:
    """Reads the events of a parsed file into meetings (no database)."""

    def __init__(self, zone: datetime.tzinfo, now: datetime.datetime) -> None:
        self.zone = zone
        self.window = (now - WINDOW_BEFORE, now + WINDOW_AFTER)
        self.steps = 0

    def localize(self, value: datetime.date | datetime.datetime) -> datetime.datetime:
        """A start as an aware moment: all-day and floating times in the user's zone."""
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        return value

    def start(self, event: Event) -> datetime.date | datetime.datetime:
        if event.get("DTSTART") is None:
            raise _Problems(_("it has no start (DTSTART)"))
        try:
            start = event.start
        except Exception as exc:
            raise _Problems(
                _("its start (DTSTART) is not a date or time: %(detail)s")
                % {"detail": str(exc)[:120]}
            ) from None
        tzid = getattr(event.get("DTSTART"), "params", {}).get("TZID")
        if tzid and isinstance(start, datetime.datetime) and start.tzinfo is None:
            raise _Problems(
                _(
                    "its time zone “%(zone)s” is unknown: use a zone such as Europe/Rome, or add its VTIMEZONE to the file"
                )
                % {"zone": str(tzid)[:60]}
            )
        problem = moment_problem(self.localize(start))
        if problem:
            raise _Problems(problem)
        return start

    def minutes(self, event: Event, start: datetime.date | datetime.datetime) -> int | None:
        all_day = not isinstance(start, datetime.datetime)
        if event.get("DTEND") is None and event.get("DURATION") is None:
            return 24 * 60 if all_day else None
        try:
            length = event.duration
        except Exception as exc:
            raise _Problems(
                _("its end (DTEND or DURATION) cannot be read: %(detail)s")
                % {"detail": str(exc)[:120]}
            ) from None
        if length < datetime.timedelta(0):
            raise _Problems(_("it ends before it starts"))
        minutes = math.ceil(length.total_seconds() / 60)
        if minutes > MAX_DURATION_MINUTES:
            raise _Problems(_("it lasts longer than 31 days"))
        return minutes or None

    def text(self, event: Event, name: str, limit: int) -> str:
        value = str(event.get(name) or "").strip()
        problem = text_problem(value)
        if problem:
            raise _Problems(problem)
        return value[:limit]

    def meeting(self, event: Event, start: datetime.datetime, uid: str, rid: str) -> Meeting:
        subject = self.text(event, "SUMMARY", 200) or _("(no title)")
        description = self.text(event, "DESCRIPTION", MAX_DESCRIPTION)
        location = self.text(event, "LOCATION", 500)
        if location:
            description = (_("Place: %(place)s") % {"place": location}) + (
                "\n\n" + description if description else ""
            )
        try:
            sequence = int(event.get("SEQUENCE") or 0)
        except (TypeError, ValueError):
            sequence = 0
        return Meeting(
            uid=uid,
            recurrence_id=rid,
            sequence=sequence,
            start=_utc(start),
            minutes=self.minutes(event, self.start(event)),
            subject=subject,
            description=description[:MAX_DESCRIPTION],
            cancelled=str(event.get("STATUS") or "").upper() == "CANCELLED",
        )

    def occurrences(
        self, event: Event, start: datetime.date | datetime.datetime
    ) -> list[datetime.datetime]:
        """The starts of a recurring event's occurrences within the window (aware)."""
        aware = isinstance(start, datetime.datetime) and start.tzinfo is not None
        base = (
            start
            if isinstance(start, datetime.datetime)
            else datetime.datetime.combine(start, datetime.time())
        )

        def as_base(value: Any) -> datetime.datetime:
            if not isinstance(value, datetime.datetime):
                value = datetime.datetime.combine(value, base.time())
            if aware and value.tzinfo is None:
                return value.replace(tzinfo=base.tzinfo)
            if not aware and value.tzinfo is not None:
                return value.astimezone(self.zone).replace(tzinfo=None)
            return value

        rules = rruleset()
        for rule in event.rrules:
            frequency = (rule.get("FREQ") or [""])[0]
            if not frequency:
                raise _Problems(_("its repeat rule (RRULE) has no frequency (FREQ)"))
            many = any(len(rule.get(k) or []) > 1 for k in ("BYHOUR", "BYMINUTE", "BYSECOND"))
            if str(frequency).upper() in SUB_DAILY or many:
                raise _Problems(
                    _(
                        "it repeats more often than daily; such events are not imported (import its occurrences one by one)"
                    )
                )
            if rule.get("UNTIL"):
                until = rule["UNTIL"][0]
                if aware:
                    if not isinstance(until, datetime.datetime):
                        until = datetime.datetime.combine(until, datetime.time(23, 59, 59))
                    if until.tzinfo is None:
                        until = until.replace(tzinfo=base.tzinfo)
                    rule["UNTIL"] = [_utc(until)]
                else:
                    rule["UNTIL"] = [as_base(until)]
            try:
                parsed = rrulestr(rule.to_ical().decode(), dtstart=base)
            except (ValueError, TypeError, KeyError) as exc:
                raise _Problems(
                    _("its repeat rule (RRULE) is not understood: %(detail)s")
                    % {"detail": str(exc)[:120]}
                ) from None
            if not isinstance(parsed, rrule):
                raise _Problems(_("its repeat rule (RRULE) is not understood"))
            rules.rrule(parsed)
        for value, _end in event.rdates:
            rules.rdate(as_base(value))
        for value in event.exdates:
            rules.exdate(as_base(value))
        found: list[datetime.datetime] = []
        low, high = self.window
        try:
            for occurrence in rules:
                self.steps += 1
                if self.steps > MAX_STEPS:
                    raise _Problems(
                        _("it repeats too often to be expanded; import its occurrences one by one")
                    )
                moment = self.localize(occurrence)
                if moment >= high:
                    break
                if moment < low:
                    continue
                found.append(moment)
                if len(found) > MAX_OCCURRENCES:
                    raise _Problems(
                        _(
                            "it repeats more than %(max)s times from 90 days ago to a year ahead; such events are not imported"
                        )
                        % {"max": MAX_OCCURRENCES}
                    )
        except TypeError as exc:  # dates and times with and without zones mixed
            raise _Problems(
                _("its repeat dates mix times with and without a time zone: %(detail)s")
                % {"detail": str(exc)[:120]}
            ) from None
        return found


def _uid(event: Event) -> str:
    uid = str(event.get("UID") or "").strip()[:255]
    if uid:
        return uid
    # No UID (RFC 5545 requires one): the same file gives the same key again.
    raw = f"{event.get('DTSTART') and event['DTSTART'].to_ical()!r}|{event.get('SUMMARY')}"
    return "no-uid-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def ics_read(data: bytes, *, zone: datetime.tzinfo, now: datetime.datetime) -> ImportResult:
    """The meetings an .ics file holds (nothing stored). Raises a ValidationError on
    ``file`` listing what is wrong (at most ten problems)."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than 1 MB; split it or export a shorter period.")]}
        )
    if not data.strip():
        raise ValidationError({"file": [_("The file is empty.")]})
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except Exception as exc:
        raise ValidationError(
            {
                "file": [
                    _("This is not an iCalendar (.ics) file, or it is damaged: %(detail)s")
                    % {"detail": str(exc)[:200]}
                ]
            }
        ) from None
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        raise ValidationError(
            {"file": [_("This is not an iCalendar (.ics) file: it has no VCALENDAR.")]}
        )
    reader = _Reader(zone, now)
    result = ImportResult()
    problems: list[str] = []
    masters: list[tuple[Event, int]] = []
    overrides: dict[tuple[str, str], tuple[Event, int]] = {}
    number = 0
    for calendar in calendars:
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE":
                continue
            if component.name != "VEVENT":
                result.ignored += 1
                continue
            number += 1
            event: Event = component  # type: ignore[assignment]
            if event.get("RECURRENCE-ID") is not None:
                try:
                    recurrence = event.RECURRENCE_ID
                    if recurrence is None:
                        raise ValueError(event.get("RECURRENCE-ID"))
                    original = reader.localize(recurrence)
                except Exception:
                    problems.append(
                        _("%(event)s: its RECURRENCE-ID is not a date or time.")
                        % {"event": _label(event, number)}
                    )
                    continue
                overrides[(_uid(event), _key(original))] = (event, number)
            else:
                masters.append((event, number))
    meetings: dict[tuple[str, str], Meeting] = {}

    def keep(meeting: Meeting) -> None:
        key = (meeting.uid, meeting.recurrence_id)
        if key not in meetings or meeting.sequence >= meetings[key].sequence:
            meetings[key] = meeting

    used: set[tuple[str, str]] = set()
    for event, number in masters:
        try:
            uid = _uid(event)
            start = reader.start(event)
            if event.rrules or event.rdates:
                result.series += 1
                for occurrence in reader.occurrences(event, start):
                    rid = _key(occurrence)
                    override = overrides.get((uid, rid))
                    if override is not None:
                        used.add((uid, rid))
                        keep(
                            reader.meeting(
                                override[0], reader.localize(reader.start(override[0])), uid, rid
                            )
                        )
                    else:
                        keep(reader.meeting(event, occurrence, uid, rid))
            else:
                keep(reader.meeting(event, reader.localize(start), uid, ""))
        except _Problems as exc:
            problems.append(
                _("%(event)s: %(problem)s.") % {"event": _label(event, number), "problem": exc}
            )
    for (uid, rid), (event, number) in overrides.items():
        if (uid, rid) in used:
            continue
        try:  # a changed occurrence whose series is not in the file, or not in the window
            start = reader.localize(reader.start(event))
            low, high = reader.window
            if low <= start < high:
                keep(reader.meeting(event, start, uid, rid))
        except _Problems as exc:
            problems.append(
                _("%(event)s: %(problem)s.") % {"event": _label(event, number), "problem": exc}
            )
    if problems:
        more = len(problems) - 10
        shown = problems[:10] + ([_("…and %(n)s more.") % {"n": more}] if more > 0 else [])
        raise ValidationError(
            {"file": [_("Nothing was imported. Fix these events and try again:"), *shown]}
        )
    if len(meetings) > MAX_MEETINGS:
        raise ValidationError(
            {
                "file": [
                    _(
                        "The file holds %(n)s meetings; import at most %(max)s at a time (export a shorter period)."
                    )
                    % {"n": len(meetings), "max": MAX_MEETINGS}
                ]
            }
        )
    result.meetings = sorted(meetings.values(), key=lambda m: (m.start, m.uid, m.recurrence_id))
    return result


def _data(meeting: Meeting, now: datetime.datetime) -> dict[str, Any]:
    ends = meeting.start + datetime.timedelta(minutes=meeting.minutes or 0)
    if meeting.cancelled:
        status = Activity.Status.CANCELLED
    elif ends < now:
        status = Activity.Status.DONE  # it took place
    else:
        status = Activity.Status.OPEN
    return {
        "kind": Activity.Kind.MEETING,
        "subject": meeting.subject,
        "description": meeting.description,
        "due_at": meeting.start,
        "duration_minutes": meeting.minutes,
        "status": status,
    }


def ics_import(*, actor: Any, data: bytes, now: datetime.datetime | None = None) -> ImportResult:
    """Import an .ics file as the user's meetings, all or nothing (see the module)."""
    check(actor, "create", "activity")
    now = now or timezone.now()
    result = ics_read(data, zone=calendar_zone(actor), now=now)
    with transaction.atomic():
        known = {
            (row.uid, row.recurrence_id): row
            for row in ImportedEvent.objects.filter(
                user_id=actor.pk, uid__in={m.uid for m in result.meetings}
            ).select_related("activity")
        }
        for meeting in result.meetings:
            values = _data(meeting, now)
            row = known.get((meeting.uid, meeting.recurrence_id))
            if row is None:
                activity = services.activity_create(actor=actor, data={**values, "assignee": actor})
                ImportedEvent.objects.create(
                    user=actor,
                    activity=activity,
                    uid=meeting.uid,
                    recurrence_id=meeting.recurrence_id,
                    sequence=meeting.sequence,
                )
                result.created += 1
                continue
            activity = row.activity
            if values["status"] == Activity.Status.DONE and activity.status == Activity.Status.OPEN:
                values.pop("status")  # the user's own bookkeeping: not the file's business
            changed = {k: v for k, v in values.items() if getattr(activity, k) != v}
            if not changed:
                result.unchanged += 1
                continue
            if not can(actor, "edit", activity):
                result.kept += 1
                continue
            services.activity_update(
                actor=actor, activity=activity, data=changed, expected_version=None
            )
            ImportedEvent.objects.filter(pk=row.pk).update(sequence=meeting.sequence)
            result.updated += 1
    return result
