from django import template

from inbound.forms import TrackerLinkForm
from inbound.models import TrackerLink

register = template.Library()


@register.inclusion_tag("inbound/partials/tracker_link_panel.html")
def tracker_link_panel(item, may_change):
    """The item's linked issue and, for those who may change the item, the form to change it."""
    link = TrackerLink.objects.filter(item=item).first()
    return {
        "item": item,
        "link": link,
        "may_change": may_change,
        "form": TrackerLinkForm(initial={"url": link.url if link else ""}),
    }
