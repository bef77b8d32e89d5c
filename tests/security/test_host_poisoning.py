"""Finding 1: absolute URLs come from BASE_URL, never from Host or X-Forwarded-*; the page cache is not poisoned."""
from __future__ import annotations

import re

from service import create_app

BASE = "https://bildung.herne.example"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
          "X-Forwarded-Prefix": "/evil", "X-Forwarded-Port": "8443", "Forwarded": "host=evil.example"}


def test_an_untrusted_host_is_refused_with_400(client):
    """By default only BASE_URL's host and the loopback names are answered."""
    for path in ("/de/", "/sitemap.xml", "/robots.txt", "/translate/login"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert "evil" not in response.text
    assert client.get("/de/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_forged_headers_never_reach_a_cached_page(app_config):
    """With every host allowed, forged requests first fill the cache; later visitors still get BASE_URL links."""
    app = create_app({**app_config, "BASE_URL": BASE + "/", "TRUSTED_HOSTS": []})
    attacker, visitor = app.test_client(), app.test_client()
    for path in ("/de/", "/tr/werkstatt", "/sitemap.xml", "/robots.txt"):
        poisoned = attacker.get(path, headers=FORGED)
        assert poisoned.status_code == 200, path
        assert "evil" not in poisoned.text and "8443" not in poisoned.text, path
    page = visitor.get("/tr/werkstatt").text
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', page)
    assert len(alternates) == 9
    assert all(href.startswith(BASE + "/") for _, href in alternates)
    assert ("x-default", BASE + "/de/werkstatt") in alternates
    switcher = re.search(r'<nav class="lang-switcher".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', switcher)[0] == BASE + "/de/werkstatt"
    sitemap = visitor.get("/sitemap.xml").text
    assert set(re.findall(r"<loc>(https?://[^/]+)/", sitemap)) == {BASE}
    assert visitor.get("/robots.txt").text.endswith(f"Sitemap: {BASE}/sitemap.xml\n")


def test_a_script_root_has_its_own_cache_entry(app_config):
    """A WSGI server may set SCRIPT_NAME from a header: such a page is cached apart, others never see its links."""
    app = create_app({**app_config, "TRUSTED_HOSTS": []})
    client = app.test_client()
    prefixed = client.get("/de/", environ_overrides={"SCRIPT_NAME": "/evil"}).text
    assert 'href="/evil/static/site.css"' in prefixed
    plain = client.get("/de/").text
    assert "/evil" not in plain and 'href="/static/site.css"' in plain


def _feedback(client, forwarded_for: str):
    """One valid feedback message, claiming to come through a proxy for some address."""
    return client.post("/de/barrierefreiheit",
                       data={"message": "Der Kontrast ist zu schwach.", "page": "barrierefreiheit"},
                       headers={"X-Forwarded-For": forwarded_for})


def test_x_forwarded_for_counts_only_behind_configured_proxies(app_config, tmp_path):
    """PROXY_FIX=0: every forged X-Forwarded-For is the same client; PROXY_FIX=1: the proxy's word is taken."""
    direct = create_app(app_config).test_client()
    results = [_feedback(direct, f"198.51.100.{i}").status_code for i in range(6)]
    assert results == [303] * 5 + [429]
    proxied = create_app({**app_config, "DATABASE": str(tmp_path / "proxied.sqlite"), "PROXY_FIX": 1}).test_client()
    assert [_feedback(proxied, f"198.51.100.{i}").status_code for i in range(6)] == [303] * 6
