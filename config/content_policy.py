"""A Content-Security-Policy on every page: images, plugins, base URLs and framing from Debrief only.

Post-mortems and near-miss reports are Markdown, and Markdown may name an image anywhere. An
image from another server is a beacon: it tells that server who opened the page, and when, which
would undo an anonymous report the moment a lead reads it. So pages load images only from Debrief
itself (and inline `data:` images). Scripts are not restricted here: the templates run no inline
code, and a script policy would also refuse the tools (accessibility checkers, password managers)
that people inject into their own pages.
"""

POLICY = "; ".join([
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", POLICY)
        return response
