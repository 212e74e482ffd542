"""The audit log page and its CSV export, for organisation admins."""
import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts import audit, roles
from accounts.forms import AuditFilterForm

PAGE_SIZE = 50


def _require_org_admin(request):
    # A 404, not a 403: the log's existence is nobody else's business.
    if not roles.is_org_admin(request.user):
        raise Http404("No such page.")


def _entries(request):
    form = AuditFilterForm(request.GET or None, actions=audit.known_actions())
    filters = form.cleaned_data if form.is_valid() else {}
    return form, audit.filtered(**{key: value for key, value in filters.items() if value})


@login_required
def audit_log(request):
    _require_org_admin(request)
    form, entries = _entries(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {
        "form": form, "page": page, "query": request.GET.urlencode(),
    })


@login_required
def audit_csv(request):
    _require_org_admin(request)
    _, entries = _entries(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{timezone.localdate().isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(audit.CSV_HEADER)
    for entry in entries.iterator(chunk_size=500):
        writer.writerow(audit.csv_row(entry))
    return response
