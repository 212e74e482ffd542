"""The /api/v1/ endpoints: thin views over `permissions`, `actions` and `publishing`.

Every post-mortem and action item is fetched through `visible_to`, so what the browser hides
(a restricted people incident) is a 404 here too, in lists, counts, filters and nested objects.
"""
import hashlib
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.decorators import api_view
from rest_framework.views import APIView

from postmortems import actions, permissions, publishing, revisions, search
from postmortems.filters import filter_postmortems
from postmortems.forms import PostMortemForm
from postmortems.models import ActionItem, ContributingFactor, PostMortem, Team, Theme
from webhooks import events as webhook_events

from . import serializers as api_serializers


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = "Send If-Match with the ETag of your last GET, so a newer change is never overwritten."
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = 412
    default_detail = "Someone changed this since your GET; fetch it again and re-apply your change."
    default_code = "precondition_failed"


def _etag(text):
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def action_item_etag(item):
    # The editor's per-row token: last save time plus status, due date and owner.
    return _etag(actions.seen_token(item))


def postmortem_etag(postmortem):
    # The editor's version counter, bumped by every save and status change: the ETag names it so a
    # PATCH can hand it to the editor's compare-and-set (`revisions.save_postmortem`).
    return f'"pm{postmortem.pk}-v{postmortem.version}"'


def version_in_if_match(request, postmortem):
    """The version the client last saw, from If-Match: 428 when missing, 412 when it names no version of this."""
    sent = request.headers.get("If-Match")
    if not sent:
        raise PreconditionRequired()
    found = re.fullmatch(rf'(?:W/)?"pm{postmortem.pk}-v(\d{{1,9}})"', sent.strip())
    if found is None:
        raise PreconditionFailed()
    return int(found.group(1))


def check_if_match(request, current_etag):
    """428 without If-Match, 412 when it names another version (a `*` is not accepted: it proves nothing)."""
    sent = request.headers.get("If-Match")
    if not sent:
        raise PreconditionRequired()
    if current_etag not in [tag.strip().removeprefix("W/") for tag in sent.split(",")]:
        raise PreconditionFailed()


ETAG_HEADER = OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                               description="The ETag from your last GET of this object.")


# Post-mortems ------------------------------------------------------------------

POSTMORTEM_ORDERINGS = ["created_at", "-created_at", "severity", "-severity", "started_at", "-started_at",
                        "updated_at", "-updated_at", "title", "-title"]


@extend_schema(parameters=[
    OpenApiParameter("team", int), OpenApiParameter("kind", str, enum=PostMortem.Kind.values),
    OpenApiParameter("status", str, enum=PostMortem.Status.values),
    OpenApiParameter("severity", int, enum=PostMortem.Severity.values),
    OpenApiParameter("theme", int),
    OpenApiParameter("search", str, description="The list page's search: title, every section and action-item "
                                                "titles (full text on PostgreSQL)."),
    OpenApiParameter("ordering", str, enum=POSTMORTEM_ORDERINGS),
])
class PostMortemList(generics.ListAPIView):
    """Post-mortems you may read, newest first."""

    serializer_class = api_serializers.PostMortemSerializer

    def get_queryset(self):
        params = self.request.query_params
        queryset = PostMortem.objects.visible_to(self.request.user).prefetch_related("authors")
        for name in ("team", "severity", "theme"):
            if params.get(name) and not params[name].isdigit():
                raise ValidationError({name: "Give a number."})
        # The list page's own filters (a team given as a list of ids, as the trends links send them).
        queryset = filter_postmortems(queryset, {
            "team": [int(params["team"])] if params.get("team") else None,
            "kind": params.get("kind"), "status": params.get("status"),
            "severity": params.get("severity"), "theme": params.get("theme"),
        })
        ordering = params.get("ordering")
        if ordering and ordering not in POSTMORTEM_ORDERINGS:
            raise ValidationError({"ordering": f"One of: {', '.join(POSTMORTEM_ORDERINGS)}."})
        if params.get("search"):
            # The list page's own search (full text on PostgreSQL), best matches first unless ordered.
            queryset = search.apply(queryset, search.parse(params["search"]))
            if not ordering:
                return queryset
        ordering = ordering or "-created_at"
        return queryset.order_by(ordering, "-pk")


class PostMortemDetail(generics.RetrieveAPIView):
    """One post-mortem with its timeline, factors and themes. Sends an ETag; PATCH changes its text."""

    serializer_class = api_serializers.PostMortemDetailSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return PostMortem.objects.visible_to(self.request.user).prefetch_related(
            "authors", "timeline_events", Prefetch("factors", ContributingFactor.objects.select_related("theme")))

    def retrieve(self, request, *args, **kwargs):
        postmortem = self.get_object()
        response = Response(self.get_serializer(postmortem).data)
        response["ETag"] = postmortem_etag(postmortem)
        return response

    @extend_schema(request=api_serializers.PostMortemUpdateSerializer, parameters=[ETAG_HEADER],
                   responses={200: api_serializers.PostMortemDetailSerializer,
                              412: OpenApiResponse(description="Changed since your GET."),
                              428: OpenApiResponse(description="If-Match missing.")})
    def patch(self, request, *args, **kwargs):
        postmortem = self.get_object()
        if not permissions.can_edit(request.user, postmortem):
            raise PermissionDenied("Only the post-mortem's authors and team leads edit it.")
        expected = version_in_if_match(request, postmortem)
        incoming = api_serializers.PostMortemUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        form = _editor_form(postmortem, incoming.validated_data, user=request.user)
        if not form.is_valid():
            raise ValidationError(form.errors.get_json_data())
        try:
            # The editor's own save: a new version and revision, or EditConflict if someone saved first.
            revisions.save_postmortem(form=form, formsets=[], author=request.user, expected_version=expected,
                                      note="Changed through the API")
        except revisions.EditConflict:
            raise PreconditionFailed()
        postmortem = self.get_queryset().get(pk=postmortem.pk)
        response = Response(self.get_serializer(postmortem).data)
        response["ETag"] = postmortem_etag(postmortem)
        return response


def _editor_form(postmortem, values, *, user):
    """The editor's form holding only the fields sent, so the others are left exactly as saved."""
    form = PostMortemForm(values, instance=postmortem, user=user, kind=postmortem.kind)
    for name in list(form.fields):
        if name not in values:
            del form.fields[name]
    return form


# Action items ------------------------------------------------------------------

ACTION_ITEM_FILTERS = ("postmortem", "team", "owner", "priority")


@extend_schema(parameters=[
    OpenApiParameter("postmortem", int), OpenApiParameter("team", int), OpenApiParameter("owner", int),
    OpenApiParameter("status", str, enum=ActionItem.Status.values),
    OpenApiParameter("priority", str, enum=ActionItem.Priority.values),
    OpenApiParameter("ordering", str, enum=["due_date", "-due_date", "created_at", "-created_at"]),
])
class ActionItemList(generics.ListCreateAPIView):
    """Action items of post-mortems you may read; create one on a post-mortem you may edit."""

    serializer_class = api_serializers.ActionItemSerializer

    def get_queryset(self):
        params = self.request.query_params
        queryset = ActionItem.objects.visible_to(self.request.user).select_related("owner")
        for name in ("postmortem", "team", "owner"):
            if params.get(name) and not params[name].isdigit():
                raise ValidationError({name: "Give a number."})
        # The dashboard's filters; ids stand in for its form's instances (a foreign key filters by
        # either), and the queryset is already limited to what the reader may see.
        queryset = actions.filter_items(queryset, {name: params.get(name) for name in ACTION_ITEM_FILTERS})
        if params.get("status"):
            # One status, not a dashboard tab: the dashboard's "open" tab also lists items in progress.
            queryset = queryset.filter(status=params["status"])
        ordering = params.get("ordering") or "due_date"
        if ordering not in ("due_date", "-due_date", "created_at", "-created_at"):
            raise ValidationError({"ordering": "One of: due_date, -due_date, created_at, -created_at."})
        return queryset.order_by(ordering, "pk")

    @extend_schema(request=api_serializers.ActionItemCreateSerializer,
                   responses={201: api_serializers.ActionItemSerializer})
    def post(self, request, *args, **kwargs):
        incoming = api_serializers.ActionItemCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        postmortem = PostMortem.objects.visible_to(request.user).filter(pk=values["postmortem"]).first()
        if postmortem is None:
            raise ValidationError({"postmortem": "No post-mortem you can see has this id."})
        if not permissions.can_edit(request.user, postmortem):
            raise PermissionDenied("Only the post-mortem's authors and team leads add action items.")
        owner = _owner_for(postmortem, values["owner"]) if values["owner"] else None
        with transaction.atomic():
            item = ActionItem.objects.create(
                postmortem=postmortem, title=values["title"], description=values["description"], owner=owner,
                due_date=values["due_date"], priority=values["priority"],
            )
            webhook_events.record(webhook_events.ITEM_CREATED, team=postmortem.team, item=item)  # outbox
        response = Response(api_serializers.ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)
        response["ETag"] = action_item_etag(item)
        return response


def _owner_for(postmortem, owner_id):
    """An active person who may read the post-mortem, or a 400 naming the field."""
    owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not permissions.can_view(owner, postmortem):
        raise ValidationError({"owner": "Choose an active person who can see this post-mortem."})
    return owner


class ActionItemDetail(APIView):
    """One action item. PATCH changes status, owner or due date through the app's writers (with history)."""

    serializer_class = api_serializers.ActionItemSerializer

    def _visible(self, request, pk):
        return get_object_or_404(ActionItem.objects.visible_to(request.user).select_related("owner"), pk=pk)

    @extend_schema(responses=api_serializers.ActionItemSerializer)
    def get(self, request, pk):
        item = self._visible(request, pk)
        response = Response(api_serializers.ActionItemSerializer(item).data)
        response["ETag"] = action_item_etag(item)
        return response

    @extend_schema(request=api_serializers.ActionItemUpdateSerializer, parameters=[ETAG_HEADER],
                   responses={200: api_serializers.ActionItemSerializer,
                              412: OpenApiResponse(description="Changed since your GET."),
                              428: OpenApiResponse(description="If-Match missing.")})
    def patch(self, request, pk):
        item = self._visible(request, pk)
        if not actions.can_change(request.user, item):
            raise PermissionDenied("Only the item's owner and the post-mortem's editors change it.")
        incoming = api_serializers.ActionItemUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        with transaction.atomic():
            # Lock the row, then compare: a change committed after our GET makes the ETag differ.
            item = ActionItem.objects.select_for_update(of=("self",)).select_related("owner").get(pk=item.pk)
            check_if_match(request, action_item_etag(item))
            self._apply(request.user, item, values)
        item = ActionItem.objects.select_related("owner").get(pk=item.pk)
        response = Response(api_serializers.ActionItemSerializer(item).data)
        response["ETag"] = action_item_etag(item)
        return response

    def _apply(self, user, item, values):
        note = values.get("note", "")
        try:
            if "owner" in values:
                actions.reassign(item, actor=user, owner=_owner_for(item.postmortem, values["owner"]), note=note)
            if "due_date" in values:
                actions.change_due_date(item, actor=user, due_date=values["due_date"], reason=note)
            if "status" in values:
                self._set_status(user, item, values["status"], note)
        except actions.ActionChangeError as error:
            raise ValidationError({getattr(error, "field", "note"): str(error)})

    def _set_status(self, user, item, new_status, note):
        if new_status == ActionItem.Status.DONE:
            actions.mark_done(item, actor=user, note=note)
        elif new_status == ActionItem.Status.OPEN and item.status in ActionItem.CLOSED_STATUSES:
            actions.reopen(item, actor=user, note=note)
        else:
            actions.apply_editor_changes(item, actor=user, values={"status": new_status}, note=note or "Changed through the API")


# Themes, teams, blame check ------------------------------------------------------

class ThemeList(generics.ListAPIView):
    """Shared themes and those of your teams."""

    serializer_class = api_serializers.ThemeSerializer

    def get_queryset(self):
        teams = list(permissions.team_roles(self.request.user))
        return Theme.objects.filter(Q(team__isnull=True) | Q(team_id__in=teams)).order_by("name", "pk")


class TeamList(generics.ListAPIView):
    """The teams you belong to, with your role in each."""

    serializer_class = api_serializers.TeamSerializer

    def get_queryset(self):
        return Team.objects.filter(pk__in=list(permissions.team_roles(self.request.user))).order_by("name")


class BlameCheck(APIView):
    """Blame-language findings in a text, as the editor's live check finds them."""

    @extend_schema(request=api_serializers.BlameCheckRequestSerializer,
                   responses=api_serializers.BlameCheckResponseSerializer)
    def post(self, request):
        incoming = api_serializers.BlameCheckRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        section = "summary"  # any scanned section: the check reads prose the same way in each
        found = publishing.findings_in({section: incoming.validated_data["text"]})
        return Response({"findings": [item.finding.as_dict() for item in found]})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def not_found(request):
    raise NotFound("No such API endpoint or object.")
