"""The server-error page, rendered with the request id so a person can quote it."""
from django.http import HttpResponseServerError
from django.template import loader

from config.requestlog import REQUEST_ID


def server_error(request):
    """Like Django's default 500 view (no context processors that might fail again), plus the request id."""
    template = loader.get_template("500.html")
    request_id = getattr(request, "request_id", REQUEST_ID.get())
    return HttpResponseServerError(template.render({"request_id": request_id}))
