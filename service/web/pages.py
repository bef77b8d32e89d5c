"""The public pages: language choice, every page in every locale, the sitemap."""
from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .. import notices
from ..content import Page, get_content
from ..formats import format_value
from ..i18n import best_locale, display_name, get_i18n, text_direction
from ..localized import localize_page
from ..pagecache import cached_response
from .errors import NotFound

bp = Blueprint("pages", __name__)

#: Longest path segment we even look at; anything longer is a 404 at once.
MAX_SEGMENT = 80


@bp.url_value_preprocessor
def _pick_locale(endpoint, values) -> None:
    """Take the locale from the URL, rejecting codes we do not serve."""
    locale = (values or {}).get("locale")
    if locale is not None:
        if not get_i18n().serves(locale):
            g.locale = best_locale()
            abort(404)
        g.locale = locale


def canonical_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL: never built from the request's Host or X-Forwarded-* headers."""
    path = url_for(endpoint, **values)
    return current_app.config["BASE_URL"] + path[len(request.script_root):]


def alternates(slug: str) -> list[dict]:
    """Every locale's URL of a page, for the switcher, hreflang links and the sitemap."""
    return [
        {"locale": loc, "name": display_name(loc), "dir": text_direction(loc),
         "url": canonical_url("pages.page", locale=loc, slug=slug)}
        for loc in get_i18n().available_locales()
    ]


def find_page(slug: str) -> Page:
    """The page of a URL slug, or NotFound."""
    page = get_content().get(slug)
    if page is None:
        raise NotFound()
    return page


def render_page(locale: str, slug: str, **extra) -> str:
    """The full HTML of one page in one locale."""
    content = get_content()
    page = find_page(slug)
    localized = localize_page(page, locale)
    nav = [(p, get_i18n().localize(p.nav, locale)) for p in content.pages.values()]
    published = format_value(f"date {page.published.isoformat()}", locale) if page.published else None
    return render_template(
        "page.html",
        locale=locale,
        dir=text_direction(locale),
        page=page,
        lp=localized,
        notices=notices.localized(locale),
        nav=nav,
        published=published,
        alternates=alternates(page.url_slug),
        examples=[(p, label) for p, label in nav if p.kind == "example"],
        source_locale=current_app.config["SOURCE_LOCALE"],
        **extra,
    )


@bp.route("/")
def root() -> BaseResponse:
    """Send the visitor to the best locale's overview."""
    response = redirect(url_for("pages.page", locale=best_locale(), slug=""), code=302)
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.route("/<locale>/", defaults={"slug": ""})
@bp.route("/<locale>/<slug>")
def page(locale: str, slug: str) -> Response:
    """One page in one locale, from the page cache."""
    if len(slug) > MAX_SEGMENT:
        abort(404)
    find_page(slug)  # 404 before rendering anything
    if request.args.get("sent") and slug == "barrierefreiheit":
        return cached_response((), lambda: render_page(locale, slug, form_sent=True), cacheable=False)
    # Everything a cached page depends on: absolute URLs come from BASE_URL, relative ones from the
    # script root (which a WSGI server may take from a trusted proxy's header), the rest from the URL.
    # The revision names the live notices too (service.notices): one appears and goes on time.
    revision = get_i18n().revision(locale)
    key = (locale, slug, revision, request.script_root)
    return cached_response(key, lambda: render_page(locale, slug), front=(locale, revision))


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every page in every locale, with its alternates."""
    pages = [(p, alternates(p.url_slug)) for p in get_content().pages.values()]
    xml = render_template("sitemap.xml", pages=pages)
    return Response(xml, mimetype="application/xml")


@bp.route("/ping")
def ping() -> Response:
    """A trivial route: the baseline of the page benchmark, and a liveness probe."""
    return Response("ok\n", mimetype="text/plain")


@bp.route("/robots.txt")
def robots() -> Response:
    """Allow everything and point to the sitemap."""
    body = f"User-agent: *\nDisallow: /translate/\nSitemap: {canonical_url('pages.sitemap')}\n"
    return Response(body, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the pages and the template helper ``canonical_url``."""
    app.register_blueprint(bp)
    app.jinja_env.globals["canonical_url"] = canonical_url
