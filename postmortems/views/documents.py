"""Downloads of post-mortems: Markdown, PDF, and a zip of every post-mortem the person may read.

Each fetches through `PostMortem.objects.visible_to`, exactly as the post-mortem page does, so
whoever gets a 404 for the page gets one for its downloads.
"""
import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from postmortems import documents
from postmortems.models import PostMortem
from postmortems.portability import markdown_filename

logger = logging.getLogger(__name__)


def _visible_document_or_404(request, pk):
    queryset = documents.document_queryset(PostMortem.objects.visible_to(request.user))
    return get_object_or_404(queryset, pk=pk)


def _download(response, filename):
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Restricted incidents must not be kept by shared caches or proxies.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def postmortem_markdown(request, pk):
    postmortem = _visible_document_or_404(request, pk)
    response = HttpResponse(documents.markdown_document(postmortem), content_type="text/markdown; charset=utf-8")
    return _download(response, markdown_filename(postmortem))


@login_required
def postmortem_pdf(request, pk):
    postmortem = _visible_document_or_404(request, pk)
    try:
        pdf = documents.pdf_bytes(postmortem)
    except documents.PdfUnavailable as error:
        logger.error("PDF export is unavailable on this server: %s", error)
        response = render(request, "postmortems/pdf_unavailable.html", {"postmortem": postmortem}, status=503)
        response["Retry-After"] = "3600"
        return response
    return _download(HttpResponse(pdf, content_type="application/pdf"), documents.pdf_filename(postmortem))


@login_required
def postmortem_zip(request):
    chunks = documents.zip_chunks(documents.visible_for_zip(request.user))
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    return _download(response, f"debrief-postmortems-{timezone.localdate():%Y-%m-%d}.zip")
