"""The browser tests' safety net catches what it promises to (see BrowserWatch in conftest.py).

Without these, a watch that silently stopped listening would let every form test pass over a
403 or a Content Security Policy violation.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import BrowserWatch

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_form_post_is_caught(
    live_server: Any, page: Any, browser_watch: BrowserWatch
) -> None:
    # A form from elsewhere, without Carnet's CSRF token: Django answers 403.
    page.goto(f"{live_server.url}/")
    page.set_content(
        f'<form method="post" action="{live_server.url}/accounts/login/">'
        '<input name="login" value="x@example.org"><button>Go</button></form>'
    )
    with page.expect_navigation():
        page.click("button")
    seen = browser_watch.take()
    assert any(problem.startswith("403 for POST") for problem in seen), seen


def test_a_javascript_error_and_a_console_error_are_caught(
    live_server: Any, page: Any, browser_watch: BrowserWatch
) -> None:
    page.goto(f"{live_server.url}/")
    page.evaluate("setTimeout(() => { throw new Error('boom'); }, 0)")
    page.evaluate("console.error('something broke')")
    page.wait_for_timeout(100)
    seen = browser_watch.take()
    assert any("boom" in problem for problem in seen), seen
    assert any("something broke" in problem for problem in seen), seen


def test_a_content_security_policy_violation_is_caught(
    live_server: Any, page: Any, browser_watch: BrowserWatch
) -> None:
    """An inline script without the page's nonce is refused, and the refusal fails the test."""
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "document.body.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.injected = true'}))"
    )
    page.wait_for_timeout(100)
    assert page.evaluate("window.injected") is None, "the inline script ran: no CSP"
    seen = browser_watch.take()
    assert any("Content Security Policy" in problem for problem in seen), seen
