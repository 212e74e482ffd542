"""The post-mortem list's filters, shared by the list page and the REST API."""
from postmortems import trends
from postmortems.models import ContributingFactor, Team


def filter_postmortems(queryset, filters):
    """Apply the list page's cleaned filters to a queryset (all but the search, `q`: see search.py)."""
    if isinstance(filters.get("team"), Team):
        queryset = queryset.filter(team=filters["team"])
    elif filters.get("team"):
        queryset = queryset.filter(team__in=filters["team"])
    for name in ["kind", "status", "severity"]:
        if filters.get(name):
            queryset = queryset.filter(**{name: filters[name]})
    if filters.get("theme"):
        # A subquery, not a join, so a post-mortem with two factors of a theme is listed once.
        queryset = queryset.filter(
            pk__in=ContributingFactor.objects.filter(theme=filters["theme"]).values("postmortem_id")
        )
    if filters.get("from") or filters.get("to"):
        queryset = trends.incidents_between(queryset, filters.get("from"), filters.get("to"))
    return queryset
