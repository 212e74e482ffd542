"""Template pieces of blame-check feedback used on other apps' pages (the editor, the navbar)."""
from django import template

from blamefeedback.forms import MissedBlameForm
from postmortems import permissions

register = template.Library()


@register.filter
def may_review_feedback(user):
    return permissions.can_review_feedback(user)


@register.inclusion_tag("partials/missed_blame.html")
def missed_blame(section):
    """The editor's "did the check miss blame?" block for one section."""
    return {"form": MissedBlameForm(section=section), "section": section}
