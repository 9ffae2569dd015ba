"""The booking site inside the practice's own website: framing allowed from the listed origins
only, the page without Carnet's header, the snippet for admins; X-Frame-Options stays DENY
everywhere else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from carnet.portal.embed import embed_origins, validate_embed_origins
from carnet.practices.models import Role
from tests import factories
from tests.portal.conftest import Site

pytestmark = pytest.mark.django_db

ORIGINS = "https://www.cabinet-voltaire.fr\nhttps://cabinet-voltaire.fr:8443"


def frame_ancestors(response: object) -> str:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def test_the_listed_origins_may_frame_the_booking_page(client: Client, site: Site) -> None:
    site.practice.booking_embed_origins = ORIGINS
    site.practice.save()
    response = client.get(site.url, {"embed": "1"})
    assert response.status_code == 200
    assert frame_ancestors(response) == (
        "frame-ancestors https://www.cabinet-voltaire.fr https://cabinet-voltaire.fr:8443"
    )
    assert "X-Frame-Options" not in response
    # The rest of the policy is the site's: scripts still only from Carnet.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "*" not in response["Content-Security-Policy"]
    # Without Carnet's header (brand, log-in link), still with the language switch.
    assert 'class="topbar"' not in response.text and 'class="languages"' in response.text
    assert 'class="topbar"' in client.get(site.url).text


def test_without_origins_nobody_frames_it_and_other_pages_stay_deny(
    client: Client, site: Site
) -> None:
    response = client.get(site.url, {"embed": "1"})
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    site.practice.booking_embed_origins = ORIGINS
    site.practice.save()
    for path in ("/accounts/login/", "/", f"{site.url}confirm/"):
        other = client.get(path)
        assert other["X-Frame-Options"] == "DENY", path
        assert frame_ancestors(other) == "frame-ancestors 'none'", path
    # Another practice's origins do not open practice A's pages.
    elsewhere = factories.practice(booking_embed_origins="https://evil.example")
    assert "evil.example" not in frame_ancestors(client.get(site.url))
    assert "cabinet-voltaire" not in frame_ancestors(client.get(f"/book/{elsewhere.slug}/"))


@pytest.mark.parametrize(
    "text",
    [
        "http://www.example.org",
        "https://www.example.org/booking",
        "*",
        "https://*.example.org",
        "https://example.org?x=1",
        "javascript:alert(1)",
        "https://exa mple.org'; script-src *",
        "'self'",
        "\n".join(f"https://site{n}.example.org" for n in range(21)),
    ],
)
def test_an_origin_that_is_not_an_https_origin_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        validate_embed_origins(text)
    practice = factories.practice()
    practice.booking_embed_origins = text
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert "booking_embed_origins" in error.value.message_dict


def test_good_origins_are_kept_normalised() -> None:
    text = " https://WWW.Example.org/ \n\nhttps://b.example.org:444  http://localhost:8000 "
    validate_embed_origins(text)
    assert embed_origins(text) == [
        "https://www.example.org",
        "https://b.example.org:444",
        "http://localhost:8000",
    ]


def test_admins_see_the_iframe_snippet_on_the_booking_page_settings(site: Site) -> None:
    site.practice.booking_embed_origins = ORIGINS
    site.practice.save()
    snippet = f'&lt;iframe src="http://testserver/book/{site.practice.slug}/?embed=1"'
    for role, shown in ((Role.ADMIN, True), (Role.OWNER, True), (Role.PRACTITIONER, False)):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(factories.member(site.practice, role))
        response = client.get(f"/app/{site.practice.slug}/settings/booking-page/")
        assert response.status_code == (200 if shown else 404), role
        assert (snippet in response.text) is shown, role
        assert ("https://www.cabinet-voltaire.fr" in response.text) is shown, role
        # The day page stays lighter: the snippet moved to the settings.
        assert snippet not in client.get(f"/app/{site.practice.slug}/").text
