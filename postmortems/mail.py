"""Emails from templates: a plain-text body and an HTML alternative from one context.

Each email is a pair of templates, `<name>.txt` and `<name>.html`, extending
`emails/base.txt` and `emails/base.html`. The backend comes from settings
(console by default, SMTP from the environment).

Subjects are user text (an action item's title) and become a header, which
must never hold a line break: `header_text` flattens them to one line.
"""
import unicodedata

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def base_context():
    """What every email template may use: the site's address and the settings page."""
    return {
        "site_url": settings.SITE_URL,
        "settings_url": settings.SITE_URL + reverse("postmortems:settings"),
    }


def render_email(template, context):
    """(text, html) rendered from `<template>.txt` and `<template>.html`."""
    context = {**base_context(), **context}
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return text, html


def header_text(value):
    """`value` on one line: control characters and runs of whitespace become single spaces.

    Django refuses to send a header containing a newline (`BadHeaderError`), and
    a title typed or pasted with one must not stop anyone's email.
    """
    spaced = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in str(value))
    return " ".join(spaced.split())


def build_email(*, to, subject, template, context, connection=None):
    """A multipart email (text first, HTML alternative) ready to `.send()`."""
    subject = header_text(subject)
    text, html = render_email(template, {**context, "subject": subject})
    message = EmailMultiAlternatives(
        subject=f"[Debrief] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to] if isinstance(to, str) else list(to),
        connection=connection,
        # Tells mail servers and autoresponders this was sent by a program (RFC 3834).
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    return message

