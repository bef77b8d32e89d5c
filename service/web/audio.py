"""HTTP views of read-aloud: the published audio files by content hash, and the health report."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, send_file

from ..audio.publish import MIMETYPES, AudioNotPublished, AudioUnavailable, audio_key, known_lengths, page_segments
from ..i18n import get_i18n
from ..jobs import ensure_audio, warm_rest
from ..pagecache import shared_cache_control
from ..tts import get_tts
from .errors import N_, NotFound, Unavailable

bp = Blueprint("audio", __name__)
NAME_RE = re.compile(r"^(page|[bsn][0-9]{1,4})-([0-9a-f]{32})\.(mp3|json|vtt)$")
#: One byte range; longer numbers than any file could need are no range at all (and never reach int()).
RANGE_RE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")
IMMUTABLE = "public, max-age=31536000, immutable"
#: What a visitor reads when the audio cannot be made now (translated when shown).
UNAVAILABLE = N_("Die Vorlesefunktion ist zurzeit nicht verfügbar.")
#: Seconds a player (or nginx) should wait before asking again for audio that could not be made now.
RETRY_AFTER = 10


def _bad_range(size: int) -> Response:
    """A 416 answer that names the file's length."""
    return Response("", 416, {"Content-Range": f"bytes */{size}", "Cache-Control": "no-store"})


def _range(header: str, size: int) -> str | None:
    """The Range header to serve for a file of ``size`` bytes (as sent, or ``bytes=0-``), or None for a 416.

    Malformed ranges, several ranges and a first byte beyond the end get a 416; a suffix longer
    than the file means the whole file (RFC 9110 14.1.2).
    """
    m = RANGE_RE.match(header.strip().replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return None  # malformed, or several ranges (we serve one)
    if m.group(1):
        first = int(m.group(1))
        return header if first < size and (not m.group(2) or int(m.group(2)) >= first) else None
    suffix = int(m.group(2))
    if suffix == 0:
        return None
    return header if suffix < size else "bytes=0-"


def _published(locale: str, slug: str, name: str) -> tuple[Path, str, str, str]:
    """The file of a published audio URL, made if missing: (path, audio id, content hash, extension).

    NotFound for a tampered or outdated hash (only published text is ever spoken), Unavailable
    when speech cannot be made now.
    """
    m = NAME_RE.match(name)
    if not m or not get_i18n().serves(locale):
        raise NotFound()
    g.locale = locale  # errors about this audio speak its language
    audio_id, key, ext = m.groups()
    try:
        if audio_key(locale, page_segments(locale, slug, audio_id)) != key:
            raise NotFound()
        entry = ensure_audio(locale, slug, audio_id)  # a worker makes it when several servers share one queue
        warm_rest(locale, slug, audio_id, ext)  # the rest of the page is made ahead, in the background
    except AudioNotPublished:
        raise NotFound() from None
    except AudioUnavailable as exc:
        raise Unavailable(UNAVAILABLE, retry_after=RETRY_AFTER) from exc
    return {"mp3": entry.mp3, "json": entry.timings, "vtt": entry.vtt}[ext], audio_id, key, ext


@bp.route("/audio-check/<locale>/<slug>/<name>", methods=["GET", "HEAD"])
def check(locale: str, slug: str, name: str) -> Response:
    """The verdict nginx asks for (auth_request) before it sends an audio file from the data volume itself.

    200 when the URL names published text (the file is made first if it is missing), 403 when it
    does not; shared caches may keep either for s-maxage. 503 (Unavailable) when speech cannot be
    made now: nginx then lets the app answer the reader (deploy/nginx/herne-locations.conf).
    """
    try:
        _published(locale, slug, name)
        status = 200
    except NotFound:
        status = 403
    return Response(b"", status, {"Cache-Control": f"public, max-age=0, {shared_cache_control()}"})


@bp.route("/audio-lengths/<locale>/<slug>", methods=["GET", "HEAD"])
def lengths(locale: str, slug: str) -> Response:
    """The length (ms) of each chunk of a page already made, by block id: the player's timeline is exact at once."""
    if not get_i18n().serves(locale):
        raise NotFound()
    try:
        known = known_lengths(locale, slug)
    except AudioNotPublished:
        raise NotFound() from None
    response = jsonify(known)
    # Grows as chunks are made: browsers ask each time; a shared cache may answer for a few seconds.
    response.headers["Cache-Control"] = f"public, max-age=0, {shared_cache_control()}"
    return response


@bp.route("/audio/<locale>/<slug>/<name>", methods=["GET", "HEAD"])
def serve(locale: str, slug: str, name: str) -> Response:
    """Serve the MP3, timings or WebVTT of a published audio id, by content hash."""
    path, audio_id, key, ext = _published(locale, slug, name)
    size = path.stat().st_size
    header = request.headers.get("Range")
    if header is not None and ext == "mp3":
        usable = _range(header, size)
        if usable is None:
            return _bad_range(size)
        request.environ["HTTP_RANGE"] = usable  # send_file reads it there: the range to serve
    response = send_file(path, mimetype=MIMETYPES[ext], conditional=True, etag=key + ext,
                         download_name=f"{slug}-{audio_id}-{locale}.{ext}", max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if ext == "mp3" and request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{slug}-{audio_id}-{locale}.mp3"'
    else:
        response.headers.pop("Content-Disposition", None)
    if current_app.config["AUDIO_X_ACCEL_PREFIX"]:
        response = _accel_redirect(response, path, MIMETYPES[ext])
    # Browsers keep it for a year (the URL names the content); shared caches ask the app again after seconds.
    response.headers["Cache-Control"] = f"{IMMUTABLE}, {shared_cache_control()}"
    return response


def _accel_redirect(sent: Response, path: Path, content_type: str) -> Response:
    """The same answer without the body: X-Accel-Redirect names the file, nginx sends it (ranges, conditionals)."""
    sent.close()  # send_file opened it; nginx reads it instead
    relative = path.relative_to(current_app.extensions["audio_cache"].root).as_posix()
    uri = current_app.config["AUDIO_X_ACCEL_PREFIX"].rstrip("/") + "/" + quote(relative)
    kept = {name: value for name, value in sent.headers.items()
            if name in ("Accept-Ranges", "X-Content-Type-Options", "Content-Disposition")}
    return Response(status=200, content_type=content_type, headers={**kept, "X-Accel-Redirect": uri})


@bp.route("/healthz")
def health() -> tuple[Response, int]:
    """Each speech backend's state, and which locale uses which (and why espeak-ng stands in), as JSON."""
    tts = get_tts()
    locales = {loc: tts.locale_state(loc) for loc in current_app.config["SHIPPED_LOCALES"]}
    ok = all(v["available"] and "fallback" not in v for v in locales.values())  # a voice standing in is degraded
    for loc, info in locales.items():  # the voices that could speak it here, with licence and size
        info["installed"] = [v.public() for v in tts.installed(loc)]
    # Public: whether each backend works, never its version or error text (what an attacker would look up).
    backends = {name: {"available": bool(state.get("available"))} for name, state in tts.states().items()}
    body = {"status": "ok" if ok else "degraded", "backends": backends, "locales": locales}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if any(v["available"] for v in locales.values()) else 503


def init_app(app: Flask) -> None:
    """Register the audio files and the health report (blueprint "audio": ``url_for("audio.serve", ...)``)."""
    app.register_blueprint(bp)
