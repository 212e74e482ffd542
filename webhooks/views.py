"""A team's webhook pages, for its leads (and organisation admins); everyone else gets a 404.

Members too: the page shows signing secrets, and a 404 does not reveal the endpoints exist.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import audit, teams
from postmortems.models import Team
from webhooks import delivery, events
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, new_secret

DELIVERIES_PER_PAGE = 25


def _managed_team(request, slug):
    team = get_object_or_404(Team, slug=slug)
    if not teams.can_manage_team(request.user, team):
        raise Http404("No such team.")
    return team


def _endpoint(request, slug, pk):
    team = _managed_team(request, slug)
    return team, get_object_or_404(team.webhook_endpoints, pk=pk)


@login_required
def endpoint_list(request, slug):
    team = _managed_team(request, slug)
    return render(request, "webhooks/endpoint_list.html", {"team": team, "endpoints": team.webhook_endpoints.all()})


@login_required
def endpoint_create(request, slug):
    team = _managed_team(request, slug)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.team, endpoint.created_by = team, request.user
        endpoint.save()
        _audit(request, team, "webhook.added", f"added the webhook endpoint “{endpoint.name}”")
        messages.success(request, "Endpoint added. Copy its signing secret into the receiver.")
        return redirect(endpoint)
    return render(request, "webhooks/endpoint_form.html", {"team": team, "form": form},
                  status=400 if form.is_bound else 200)


@login_required
def endpoint_edit(request, slug, pk):
    team, endpoint = _endpoint(request, slug, pk)
    form = EndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        form.save()
        _audit(request, team, "webhook.changed", f"changed the webhook endpoint “{endpoint.name}”")
        messages.success(request, "Endpoint saved.")
        return redirect(endpoint)
    return render(request, "webhooks/endpoint_form.html", {"team": team, "form": form, "endpoint": endpoint},
                  status=400 if form.is_bound else 200)


@login_required
def endpoint_delete(request, slug, pk):
    team, endpoint = _endpoint(request, slug, pk)
    if request.method == "POST":
        endpoint.delete()
        _audit(request, team, "webhook.removed", f"removed the webhook endpoint “{endpoint.name}”")
        messages.success(request, f"Endpoint “{endpoint.name}” removed.")
        return redirect("webhooks:list", slug=team.slug)
    return render(request, "webhooks/endpoint_delete.html", {"team": team, "endpoint": endpoint})


@login_required
@require_POST
def endpoint_rotate(request, slug, pk):
    team, endpoint = _endpoint(request, slug, pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    _audit(request, team, "webhook.secret_rotated",
           f"rotated the signing secret of the webhook endpoint “{endpoint.name}”")
    messages.success(request, "New signing secret made; requests are signed with it from now on.")
    return redirect(endpoint)


@login_required
def delivery_log(request, slug, pk):
    team, endpoint = _endpoint(request, slug, pk)
    rows = (endpoint.deliveries.select_related("event", "resent_by")
            .prefetch_related("attempt_log").order_by("-event__created_at", "-pk"))
    page = Paginator(rows, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.resendable = delivery.can_resend(row)
        row.next_retry_at = delivery.next_retry_at(row)
    return render(request, "webhooks/delivery_log.html", {"team": team, "endpoint": endpoint, "page": page})


@login_required
@require_POST
def delivery_resend(request, slug, pk, delivery_pk):
    team, endpoint = _endpoint(request, slug, pk)
    row = get_object_or_404(Delivery, pk=delivery_pk, endpoint=endpoint)
    if delivery.resend(row, by=request.user):
        events.enqueue_delivery()
        messages.success(request, f"Delivery {row.pk} will be sent again in a moment.")
    else:
        messages.info(request, f"Delivery {row.pk} is being sent or waiting for its next retry already.")
    return redirect("webhooks:deliveries", slug=team.slug, pk=endpoint.pk)


def _audit(request, team, action, summary):
    """Endpoint changes go to the team's audit log: a webhook can send a team's news anywhere."""
    audit.record(action, f"{request.user.get_username()} {summary} for {team.name}", request=request, team=team)
