"""A paginator for lists that grow with the organisation's whole history.

Counting every matching row is the one cost of a list page that grows with history: at
100,000 post-mortems the visible set is tens of thousands of rows, counted on every page
view to print one number. Past `COUNT_CAP` rows the exact figure helps nobody (they
filter or search instead), so the count stops there: the page says "more than 10,000",
numbers pages without a last one, and finds out whether there is a next page by reading
one row beyond the page. Below the cap everything is exact, as before.
"""
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPage(Page):
    def has_next(self):
        if self.paginator.capped:
            return self.more
        return super().has_next()


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows of `count_from` (the list without its ordering and display columns).

    `known_count`, where the caller has the exact count from elsewhere (a running tally),
    stands in for counting: the page then reads only its own rows.
    """

    def __init__(self, object_list, per_page, *, count_from, cap=None, known_count=None):
        super().__init__(object_list, per_page)
        self.count_from = count_from
        self.cap = COUNT_CAP if cap is None else cap
        self.known_count = known_count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return max(0, min(self.known_count, self.cap + 1))
        return self.count_from.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self):
        """True when there are more rows than the cap: `count` and `num_pages` are then lower bounds."""
        return self.count > self.cap

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number  # past the counted pages: page() finds out whether it has rows

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:
            # Past the last row of a capped list: the last counted page, which has rows.
            return self.page(self.num_pages)

    def page(self, number):
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        page = self._get_page(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)
