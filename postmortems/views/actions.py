"""The action-item dashboard, "my action items", the item page and its quick actions.

Quick actions answer htmx with the updated row and an `HX-Trigger` that makes the
summary figures reload; without JavaScript they are plain POSTs that redirect back.
"""
import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms.utils import flatatt
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from postmortems import actions, permissions
from postmortems.forms import DATE_WIDGET, PersonField, active_people, person_label
from postmortems.models import ActionItem, PostMortem, Team, Theme

PAGE_SIZE = 25
CHANGED_EVENT = "actionItemChanged"
# What each list covers, and where its CSV export and summary figures live.
SCOPES = {
    "team": {"title": "Action items", "list": "postmortems:actions", "csv": "postmortems:actions-csv",
             "summary": "postmortems:actions-summary"},
    "mine": {"title": "My action items", "list": "postmortems:my-actions", "csv": "postmortems:my-actions-csv",
             "summary": "postmortems:my-actions-summary"},
}
CSV_HEADER = [
    "ID", "Title", "Status", "Overdue", "Priority", "Due date", "Owner", "Team", "Post-mortem", "Kind",
    "Created", "Closed", "Link",
]
# A leading = + - @ (or tab / carriage return) makes spreadsheets evaluate a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
RECENT_POSTMORTEM_CHOICES = 100


# Forms -------------------------------------------------------------------------

class ListSelect(forms.Select):
    """Django's <select> markup, built in Python rather than through two templates per option.

    The filters list a hundred post-mortems and every active person; rendered option by
    option through templates they cost more than the rest of the page.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        options, found = [], False
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in chosen
            found = found or selected
            options.append(format_html('\n  <option value="{}"{}>{}</option>\n', option_value,
                                       mark_safe(" selected") if selected else "", label))
        return format_html('<select name="{}"{}>{}\n</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           mark_safe("".join(options)))


class OwnerOptions:
    """The reassign form's <option>s for every active person, escaped once per page.

    Each row lists everyone, its current owner disabled; joining ready-made strings
    keeps a page of rows from looping over every person in the template for each row.
    """

    def __init__(self, people):
        self.people = [(str(person.pk), conditional_escape(person_label(person))) for person in people]
        self.plain = [f'<option value="{pk}">{label}</option>' for pk, label in self.people]

    def for_item(self, item, selected=""):
        owner = str(item.owner_id)
        options = list(self.plain)
        for index, (pk, label) in enumerate(self.people):
            if pk == owner:
                options[index] = f'<option value="{pk}" disabled>{label} (current owner)</option>'
            elif selected and pk == selected:
                options[index] = f'<option value="{pk}" selected>{label}</option>'
        return mark_safe("".join(options))


def people():
    """Active people, with only what their names need."""
    return list(active_people().only("username", "first_name", "last_name"))


class PostMortemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, postmortem):
        return postmortem.title


class ActionFilterForm(forms.Form):
    """The dashboard's filters; every field optional, invalid ones are ignored."""

    status = forms.ChoiceField(choices=list(actions.TABS.items()), required=False, widget=forms.HiddenInput)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams",
                                  widget=ListSelect)
    owner = PersonField(queryset=active_people(), required=False, empty_label="Anyone", widget=ListSelect)
    postmortem = PostMortemChoiceField(queryset=PostMortem.objects.none(), required=False,
                                       empty_label="Any post-mortem", label="Post-mortem", widget=ListSelect)
    kind = forms.ChoiceField(choices=[("", "Both kinds"), *PostMortem.Kind.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Any priority"), *ActionItem.Priority.choices], required=False)
    theme = forms.ModelChoiceField(queryset=Theme.objects.none(), required=False, empty_label="Any theme",
                                   widget=ListSelect)
    sort = forms.ChoiceField(choices=list(actions.SORTS.items()), required=False, label="Sort by")

    def __init__(self, *args, user, scope, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.all()
        if scope == "team":
            teams = teams.filter(pk__in=list(permissions.team_roles(user)))
            if people is not None:
                # The page has the people already (for the reassign forms): list them without a second query.
                owner = self.fields["owner"]
                owner.widget.choices = [("", owner.empty_label), *((p.pk, person_label(p)) for p in people)]
        else:
            del self.fields["owner"]
        self.fields["team"].queryset = teams
        self._limit_postmortem_choices(PostMortem.objects.visible_to(user))
        self.fields["theme"].queryset = Theme.objects.filter(
            Q(team__isnull=True) | Q(team__in=list(permissions.team_roles(user)))
        ).order_by("name")
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def _limit_postmortem_choices(self, visible):
        """Accept any visible post-mortem, but list only recent ones with action items.

        With thousands of post-mortems a full <select> costs more than the rest
        of the page; links from a post-mortem's page still filter by any of them.
        """
        field = self.fields["postmortem"]
        field.queryset = visible
        recent = visible.filter(pk__in=ActionItem.objects.values("postmortem_id")).order_by("-created_at", "-id")
        choices = list(recent.values_list("pk", "title")[:RECENT_POSTMORTEM_CHOICES])
        selected = self.data.get("postmortem") if self.is_bound else None
        if selected and selected.isdigit() and int(selected) not in {pk for pk, _ in choices}:
            choices += list(visible.filter(pk=int(selected)).values_list("pk", "title"))
        field.widget.choices = [("", field.empty_label), *choices]

    def filters(self):
        """The valid filters as a dict (an unbound or partly invalid form gives what it can)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class MarkDoneForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, label="Note (optional)")


class DueDateForm(forms.Form):
    due_date = forms.DateField(label="New due date", widget=DATE_WIDGET)
    reason = forms.CharField(max_length=2000, label="Reason",
                             error_messages={"required": "Say why the due date changes."})


class ReassignForm(forms.Form):
    owner = PersonField(queryset=active_people(), label="New owner",
                        error_messages={"invalid_choice": "Choose an active person."})
    note = forms.CharField(required=False, max_length=2000, label="Note (optional)")


QUICK_FORMS = {"done": MarkDoneForm, "due_date": DueDateForm, "owner": ReassignForm}


# Lists ---------------------------------------------------------------------------

def _scope_items(user, scope):
    return actions.team_items(user) if scope == "team" else actions.owned_items(user)


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _filtered(request, scope, people=None):
    """The scope's items narrowed by the filter form, and the form itself."""
    form = ActionFilterForm(request.GET or None, user=request.user, scope=scope, people=people)
    filters = form.filters()
    return actions.filter_items(_scope_items(request.user, scope), filters), filters, form


def _tabs(request, current):
    tabs = []
    for key, label in actions.TABS.items():
        params = request.GET.copy()
        params["status"] = key
        params.pop("page", None)
        tabs.append({"key": key, "label": label, "query": params.urlencode(), "current": key == current})
    return tabs


class CountedPaginator(Paginator):
    """A paginator told how many rows there are, so it does not count them again."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self.count = count


def _summary_context(request, scope, queryset, tab=None):
    today, now = timezone.localdate(), timezone.now()
    return {
        "summary": actions.summarise(queryset, today=today, now=now, tab=tab),
        "today": today,
        "summary_url": f"{reverse(SCOPES[scope]['summary'])}?{_query_without(request, 'page')}",
    }


def _with_owner_options(items, owner_options, selected=""):
    for item in items:
        item.owner_options = owner_options.for_item(item, selected)
    return items


def _action_list(request, scope):
    everyone = people()
    items, filters, form = _filtered(request, scope, everyone)
    tab = filters.get("status", actions.DEFAULT_TAB)
    summary = _summary_context(request, scope, items, tab)
    ids = actions.item_ids(items, tab=tab, sort=filters.get("sort"), today=summary["today"], now=timezone.now())
    page = CountedPaginator(ids, PAGE_SIZE, count=summary["summary"].listed).get_page(request.GET.get("page"))
    page.object_list = actions.rows_for(page.object_list, sort=filters.get("sort"), user=request.user)
    _with_owner_options(page.object_list, OwnerOptions(everyone))
    query = _query_without(request, "page")
    return render(request, "postmortems/action_list.html", {
        **summary,
        "scope": scope,
        # Open items whose owner left: the team's leads reassign them (empty for everyone else).
        "needs_new_owner": actions.needing_new_owner(request.user)[:50] if scope == "team" else [],
        "title": SCOPES[scope]["title"],
        "form": form,
        "page": page,
        "tab": tab,
        "tab_label": actions.TABS[tab],
        "tabs": _tabs(request, tab),
        "filtered": any(name not in ("status", "sort") for name in filters),
        "list_url": reverse(SCOPES[scope]["list"]),
        "csv_url": f"{reverse(SCOPES[scope]['csv'])}?{query}",
        "next_url": request.get_full_path(),
        "has_teams": bool(permissions.team_roles(request.user)),
    })


@login_required
def action_dashboard(request):
    """Every item of the person's teams they may see: a lead's view of follow-through."""
    return _action_list(request, "team")


@login_required
def my_actions(request):
    return _action_list(request, "mine")


def _summary(request, scope):
    items, _, _ = _filtered(request, scope)
    return render(request, "partials/action_summary.html", _summary_context(request, scope, items))


@login_required
def action_summary(request):
    """The figures alone, for htmx to reload after a quick action."""
    return _summary(request, "team")


@login_required
def my_action_summary(request):
    return _summary(request, "mine")


# CSV -------------------------------------------------------------------------------

def spreadsheet_safe(value):
    """Text a spreadsheet will not run as a formula (a leading quote makes it literal)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _csv_row(request, item, today):
    return [
        item.pk, item.title, item.get_status_display(), "yes" if item.is_overdue(today) else "no",
        item.get_priority_display(), item.due_date.isoformat() if item.due_date else "",
        actions.person_name(item.owner), item.postmortem.team.name, item.postmortem.title,
        item.postmortem.get_kind_display(), _local(item.created_at), _local(item.closed_at),
        request.build_absolute_uri(reverse("postmortems:action-detail", args=[item.pk])),
    ]


def _csv(request, scope):
    items, filters, _ = _filtered(request, scope)
    today = timezone.localdate()
    rows = actions.list_items(items, tab=filters.get("status", actions.DEFAULT_TAB), sort=filters.get("sort"),
                              today=today, now=timezone.now(), user=request.user)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="action-items-{today.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for item in rows:
        writer.writerow([spreadsheet_safe(value) for value in _csv_row(request, item, today)])
    return response


@login_required
def action_csv(request):
    """The dashboard's current list (same tab, filters and order) as CSV, unpaginated."""
    return _csv(request, "team")


@login_required
def my_actions_csv(request):
    return _csv(request, "mine")


# One item ------------------------------------------------------------------------------

def _visible_item_or_404(request, pk):
    items = ActionItem.objects.visible_to(request.user).select_related("postmortem__team", "owner")
    return get_object_or_404(items, pk=pk)


def _changeable_or_403(request, pk):
    item = _visible_item_or_404(request, pk)
    if not actions.can_change(request.user, item):
        raise PermissionDenied("Only the item's owner, the post-mortem's authors and the team's leads may change it.")
    return item


def _selected_owner(request, errors, open_form):
    """The person chosen in a reassign form that was refused, to show it chosen again."""
    return request.POST.get("owner", "") if errors and open_form == "owner" else ""


def _detail(request, item, *, errors=None, open_form=None, status=200):
    _with_owner_options([item], OwnerOptions(people()), _selected_owner(request, errors, open_form))
    return render(request, "postmortems/action_detail.html", {
        "item": item,
        "may_change": actions.can_change(request.user, item),
        "history": actions.history(item),
        "next_url": request.path,
        "errors": errors or {},
        "open_form": open_form,
        "values": request.POST if errors else {},
    }, status=status)


@login_required
def action_detail(request, pk):
    """The item, its post-mortem and every recorded change."""
    return _detail(request, _visible_item_or_404(request, pk))


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _next_url(request, item):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("postmortems:action-detail", args=[item.pk])


def _row(request, item, *, notice="", errors=None, open_form=None):
    item.may_change = True
    _with_owner_options([item], OwnerOptions(people()), _selected_owner(request, errors, open_form))
    response = render(request, "partials/action_row.html", {
        "item": item,
        "next_url": request.POST.get("next", ""),
        "notice": notice,
        "errors": errors or {},
        "open_form": open_form,
        "values": request.POST if errors else {},
        "htmx": True,
    })
    if notice:
        response["HX-Trigger"] = CHANGED_EVENT
    return response


def _quick_action(request, pk, name, apply):
    """Validate the quick-action form, apply it, and answer htmx with the row or redirect."""
    item = _changeable_or_403(request, pk)
    form = QUICK_FORMS[name](request.POST)
    errors = {}
    if form.is_valid():
        try:
            notice = apply(item, form.cleaned_data)
        except actions.ActionChangeError as error:
            # A refusal about one field (an owner who cannot see the post-mortem) is shown at that field.
            errors = {getattr(error, "field", "form"): [str(error)]}
    else:
        errors = {("form" if field == "__all__" else field): list(found) for field, found in form.errors.items()}
    if errors:
        if _is_htmx(request):
            return _row(request, item, errors=errors, open_form=name)
        return _detail(request, item, errors=errors, open_form=name, status=400)
    if _is_htmx(request):
        return _row(request, item, notice=notice)
    messages.success(request, f"{item.title}: {notice}")
    return redirect(_next_url(request, item))


@login_required
@require_POST
def action_mark_done(request, pk):
    def apply(item, data):
        changed = actions.mark_done(item, actor=request.user, note=data["note"])
        return "marked done." if changed else "already done."
    return _quick_action(request, pk, "done", apply)


@login_required
@require_POST
def action_change_due_date(request, pk):
    def apply(item, data):
        changed = actions.change_due_date(item, actor=request.user, due_date=data["due_date"], reason=data["reason"])
        return f"due date moved to {date_format(data['due_date'], 'j M Y')}." if changed else "due date unchanged."
    return _quick_action(request, pk, "due_date", apply)


@login_required
@require_POST
def action_reassign(request, pk):
    def apply(item, data):
        changed = actions.reassign(item, actor=request.user, owner=data["owner"], note=data["note"])
        name = actions.person_name(data["owner"])
        return f"now owned by {name}." if changed else f"already owned by {name}."
    return _quick_action(request, pk, "owner", apply)
