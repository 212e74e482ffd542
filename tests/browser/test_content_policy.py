"""A Markdown image on another server is never fetched when someone reads the page."""
import http.server
import threading

import pytest
from django.utils import timezone

from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture
def beacon():
    """An HTTP server on another port that records every request it gets."""
    hits = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_an_image_from_another_server_is_never_fetched(page, log_in, beacon):
    address, hits = beacon
    team = factories.make_team("Payments")
    reader = factories.make_user("rea")
    factories.add_member(team, reader)
    postmortem = factories.make_incident(team, timezone.now() - timezone.timedelta(days=2), title="Beacon test")
    postmortem.summary = f"Before. ![chart]({address}/from-markdown.png) After."
    postmortem.save()

    log_in(reader)
    page.goto(postmortem.get_absolute_url())
    # The sanitiser keeps only local images: the Markdown image arrives without its address.
    assert page.locator("img[alt='chart']").get_attribute("src") is None
    # And should any remote image ever reach a page, the browser refuses to fetch it.
    page.evaluate("""address => {
        const image = document.createElement('img');
        image.src = address + '/slipped-through.png';
        document.body.append(image);
    }""", address)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert hits == []
