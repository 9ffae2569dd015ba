"""Carnet's settings plus a page that shows a request as Django sees it, for tests/test_server.py.

The proxy tests run the real `carnet serve` with these settings and ask `/echo` what waitress
handed to Django: the scheme, the host and the client address.
"""

from carnet.settings import *  # noqa: F403
from carnet.settings import SECURE_REDIRECT_EXEMPT

ROOT_URLCONF = "tests.proxy_urls"
# /echo must also answer a plain-http request, to show that it stays plain http.
SECURE_REDIRECT_EXEMPT = [*SECURE_REDIRECT_EXEMPT, r"^echo$"]
