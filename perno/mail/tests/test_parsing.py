"""Reading e-mail from its bytes: addresses and dates from malformed headers, text in
wrong or unknown charsets, safe HTML, attachments checked by their bytes, and what
marks mail written by a machine. No database, no server."""

from __future__ import annotations

import pytest

from perno.mail import merge
from perno.mail.charsets import decode
from perno.mail.parsing import parse
from perno.mail.sanitize import sanitise
from perno.mail.tests.conftest import build

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8ff5f0f0002870180eb47ba920000000049454e44ae426082"
)


def test_headers_in_raw_8_bit_and_encoded_words_in_any_charset_are_read():
    raw = (
        b"From: =?iso-8859-2?q?Bogdan_=AAtef=E3nescu?= <B.Stef@Example.RO>\r\n"
        b'To: "Ufficio" <ufficio@perno.test>, not an address, <<x>>\r\n'
        b"Cc: a@example.com, A@EXAMPLE.COM\r\n"
        b"Subject: Fattura di gennaio: perch\xe9 \xe8 sbagliata\r\n"
        b"Date: 12 Feb 1600 10:00:00 +0000\r\n"
        b"\r\nCiao\r\n"
    )
    parsed = parse(raw)
    assert (parsed.from_name, parsed.from_address) == ("Bogdan Ştefănescu", "B.Stef@example.ro")
    assert parsed.to == [("Ufficio", "ufficio@perno.test")]
    assert parsed.cc == [("", "a@example.com")]  # the same address once
    assert parsed.subject == "Fattura di gennaio: perché è sbagliata"  # raw cp1252
    assert parsed.sent_at is None  # a date outside 1900-2200 is no date


@pytest.mark.parametrize(
    ("data", "declared", "text", "problem"),
    [
        ("Perché è così".encode("cp1252"), "utf-8", "Perché è così", "wrong"),
        ("Café crème".encode(), "iso-8859-1", "Café crème", "wrong"),
        (
            "Mulțumesc, îmi pare rău".encode("iso-8859-16"),
            "x-unknown",
            "Mulțumesc, îmi pare rău",
            "unknown",
        ),
        (b"plain", "us-ascii", "plain", ""),
        (
            "Здравствуйте, спасибо за ответ".encode("cp1251"),
            "bogus",
            "Здравствуйте, спасибо за ответ",
            "unknown",
        ),
        (b"nul\x00byte", "utf-8", "nul\ufffdbyte", ""),
    ],
)
def test_text_is_read_whatever_its_charset_says(data, declared, text, problem):
    decoded = decode(data, declared)
    assert (decoded.text, decoded.problem) == (text, problem)


def test_html_is_sanitised_and_remote_images_are_kept_apart():
    safe = sanitise(
        '<div style="color:red" onclick="steal()">Ciao<script>alert(1)</script>'
        '<img src="https://t.example/p.gif"><img src="cid:logo@x">'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>'
        '<a href="data:text/html,x">c</a><iframe src="https://x"></iframe><form><input></form></div>'
    )
    for bad in (
        "script",
        "onclick",
        "style",
        "javascript",
        "iframe",
        "<form",
        "<input",
        "data:text",
    ):
        assert bad not in safe.html and bad not in safe.with_images
    assert "t.example" not in safe.html and safe.remote_images == 1
    assert 'src="https://t.example/p.gif"' in safe.with_images
    assert 'src="cid:logo@x"' in safe.html
    assert 'rel="noopener noreferrer nofollow"' in safe.html
    assert sanitise("<p>no images</p>").with_images == ""  # nothing kept twice


def test_attachments_are_typed_by_their_bytes_and_programs_left_out():
    raw, _id = build(
        text="Allegati",
        attachments=[
            ("foto.png", PNG, "application/octet-stream"),  # generic: no complaint
            ("finta.pdf", b"not a pdf at all", "application/pdf"),
            ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
            ("../../etc/passwd", b"root:x:0:0", "text/plain"),
        ],
    )
    parsed = parse(raw)
    files = {a.filename: a for a in parsed.attachments}
    assert files["foto.png"].content_type == "image/png" and not files["foto.png"].mismatch
    assert files["finta.pdf"].content_type == "application/octet-stream"
    assert files["finta.pdf"].mismatch
    assert "setup.exe" not in files and "passwd" in files  # no path in a stored name
    codes = [p["code"] for p in parsed.problems]
    assert codes == ["attachment_type", "attachment_blocked"]


def test_a_message_that_is_not_mime_at_all_is_kept_as_text():
    parsed = parse(b"\xff\xfe garbage \x00 without any header")
    assert "garbage" in parsed.text and parsed.problems


@pytest.mark.parametrize(
    ("headers", "sender", "auto", "bounce"),
    [
        ({"Auto-Submitted": "auto-replied"}, "a@example.com", True, False),
        ({"Auto-Submitted": "no"}, "a@example.com", False, False),
        ({"Precedence": "junk"}, "a@example.com", True, False),
        ({"X-Autorespond": "1"}, "a@example.com", True, False),
        ({"Return-Path": "<>"}, "a@example.com", True, False),
        ({}, "MAILER-DAEMON@mx.example.com", False, True),
        ({"X-Failed-Recipients": "b@example.com"}, "postmaster@example.com", False, True),
        ({}, "a@example.com", False, False),
    ],
)
def test_machine_written_mail_is_recognised(headers, sender, auto, bounce):
    parsed = parse(build(sender=sender, headers=headers)[0])
    assert (parsed.auto_reply, parsed.bounce) == (auto, bounce)


def test_a_delivery_report_is_a_bounce_and_a_suppress_header_asks_for_no_receipt():
    report = (
        b"From: Mail Delivery System <mailer@mx.example.com>\r\nSubject: Undelivered\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--r--\r\n"
    )
    assert parse(report).bounce
    quiet = parse(build(headers={"X-Auto-Response-Suppress": "OOF, AutoReply"})[0])
    assert quiet.no_acknowledgement and not quiet.auto_reply


def test_threading_ids_are_read_nearest_first():
    parsed = parse(build(message_id="c@x", in_reply_to="b@x", references=["a@x", "b@x"])[0])
    assert parsed.thread_ids == ["b@x", "a@x"] and parsed.root_id == "a@x"
    alone = parse(build(message_id="z@x")[0])
    assert alone.thread_ids == [] and alone.root_id == "z@x"


def test_merge_fields_are_an_allow_list():
    text = "{{ contact.first_name }} {{contact.last_name}} {{ case.number }}"
    assert merge.problems(text) == []
    assert merge.problems("{{ contact.__dict__ }}") and merge.problems("{{ contact }}")
    assert merge.problems("{% include 'x' %}") and merge.problems("{{ contact.first_name|upper }}")
