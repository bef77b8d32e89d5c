"""Piper voices fetched from a Piper voices repository (rhasspy/piper-voices layout): verified, resumable, atomic.

The repository lists every voice in ``voices.json`` at its base URL, with each file's path, ``size_bytes`` and
``md5_digest`` (the real repository carries no sha256; a ``sha256_digest``, where a mirror adds one, is
checked instead). Each file is fetched into a hidden ``.part`` file in the voices folder, kept when the transfer
breaks off and continued with an HTTP Range request on the next run, checked for size and digest, and only
then renamed into place: the model first, the configuration last, so a voice counts only once both are whole.
"""
from __future__ import annotations

import difflib
import enum
import errno
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import requests

from ..core.locks import FileLocks, LockTimeout
from .voices import VOICE_NAME_RE, VoiceError, VoiceFiles, VoiceStore, read_config

#: The list of voices at the repository's base URL.
CATALOG = "voices.json"
#: voices.json of the real repository is about 0.2 MB: anything past this is not a catalog.
CATALOG_MAX_BYTES = 16 * 1024 * 1024
#: Read and written in blocks of this size (a block in flight when a transfer breaks off is fetched again).
BLOCK = 1 << 16
#: Room left free on the disk beside a voice (logs and caches share it).
SPARE_BYTES = 16 * 1024 * 1024
#: Seconds to open a connection (the read timeout is a setting).
CONNECT_TIMEOUT = 10.0
_CONTENT_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")

Progress = Callable[[str], None]


class Failure(enum.StrEnum):
    """Why a download did not install a voice."""

    UNKNOWN_VOICE = "unknown-voice"
    INSTALLED = "installed"
    BUSY = "busy"
    CATALOG = "catalog"
    NETWORK = "network"
    TOO_LARGE = "too-large"
    NO_SPACE = "no-space"
    SIZE_MISMATCH = "size-mismatch"
    DIGEST_MISMATCH = "digest-mismatch"
    NOT_A_VOICE = "not-a-voice"


class DownloadError(VoiceError):
    """A voice was not installed: ``reason`` says why, the message says what to do."""

    def __init__(self, reason: Failure, message: str):
        """Keep the reason beside the message."""
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class RemoteFile:
    """One file of a voice in the repository, as voices.json lists it."""

    path: str  # relative to the base URL, e.g. en/en_US/joe/medium/en_US-joe-medium.onnx
    size: int
    md5: str
    sha256: str | None = None

    @property
    def name(self) -> str:
        """The file's own name."""
        return PurePosixPath(self.path).name

    def expected(self) -> tuple[str, str]:
        """The digest to check: sha256 where the catalog gives one, else md5 (all the real repository has)."""
        return ("sha256", self.sha256) if self.sha256 else ("md5", self.md5)


@dataclass(frozen=True)
class RemoteVoice:
    """A voice of the repository: its model, its configuration and its model card (the licence), if listed."""

    name: str
    language: str
    model: RemoteFile
    config: RemoteFile
    card: str | None

    @property
    def size(self) -> int:
        """Bytes of the model and the configuration together."""
        return self.model.size + self.config.size


def _mb(n: int) -> str:
    """A byte count in MB with one decimal."""
    return f"{n / 1e6:.1f} MB"


def _remote_file(name: str, path: str, info: Any) -> RemoteFile:
    """One entry of a voice's ``files``, checked: a relative path without '..', a size and a digest."""
    parts = PurePosixPath(path).parts
    if path.startswith("/") or not parts or ".." in parts or "\\" in path:
        raise DownloadError(Failure.CATALOG, f"voices.json: {name}: unsafe file path {path!r}")
    try:
        size = int(info["size_bytes"])
        md5 = str(info["md5_digest"]).lower()
    except (KeyError, TypeError, ValueError):
        raise DownloadError(Failure.CATALOG, f"voices.json: {name}: {path} has no size_bytes or md5_digest") from None
    sha256 = info.get("sha256_digest")
    if size < 0 or not re.fullmatch(r"[0-9a-f]{32}", md5) or (sha256 and not re.fullmatch(r"[0-9a-f]{64}", sha256)):
        raise DownloadError(Failure.CATALOG, f"voices.json: {name}: {path} has a malformed size or digest")
    return RemoteFile(path, size, md5, str(sha256).lower() if sha256 else None)


def parse_voice(key: str, entry: Any) -> RemoteVoice:
    """A voice's entry of voices.json: the files named ``<key>.onnx``, ``<key>.onnx.json`` and ``MODEL_CARD``."""
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict):
        raise DownloadError(Failure.CATALOG, f"voices.json: {key} lists no files")
    found = {PurePosixPath(p).name: (p, info) for p, info in files.items() if isinstance(p, str)}
    try:
        model = _remote_file(key, *found[f"{key}.onnx"])
        config = _remote_file(key, *found[f"{key}.onnx.json"])
    except KeyError:
        raise DownloadError(Failure.CATALOG, f"voices.json: {key} lacks {key}.onnx or {key}.onnx.json") from None
    card = found.get("MODEL_CARD", (None,))[0]
    language = str((entry.get("language") or {}).get("code") or "?")
    return RemoteVoice(key, language, model, config, card)


class VoiceRepository:
    """A Piper voices repository over HTTP(S): its catalog and its files."""

    def __init__(self, base_url: str, timeout: float = 30.0, session: requests.Session | None = None):
        """``timeout``: seconds a transfer may go without receiving data before it counts as broken off."""
        self.base_url = base_url.rstrip("/")
        self.timeout = (CONNECT_TIMEOUT, float(timeout))
        self.session = session or requests.Session()
        # Bytes exactly as stored: a resumed range of a compressed answer would not fit the first part.
        self.session.headers.update({"Accept-Encoding": "identity", "User-Agent": "herne-talente voice download"})

    def url(self, path: str) -> str:
        """The address of a file of the repository."""
        return f"{self.base_url}/{quote(path)}"

    def _get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        """GET a file as a stream; connection problems and error statuses become DownloadError(NETWORK)."""
        url = self.url(path)
        try:
            resp = self.session.get(url, headers=headers, stream=True, timeout=self.timeout)
        except requests.Timeout:
            raise DownloadError(Failure.NETWORK, f"{url}: no answer within {self.timeout[1]:.0f} s") from None
        except requests.RequestException as exc:
            raise DownloadError(Failure.NETWORK, f"cannot reach the voices repository: {url}: {exc}") from None
        if resp.status_code not in (200, 206, 416):
            resp.close()
            raise DownloadError(Failure.NETWORK, f"{url} answered HTTP {resp.status_code} {resp.reason}")
        return resp

    def catalog(self) -> dict[str, Any]:
        """voices.json, read whole (bounded in size)."""
        resp = self._get(CATALOG)
        body = bytearray()
        try:
            with resp:
                for block in resp.iter_content(BLOCK):
                    body += block
                    if len(body) > CATALOG_MAX_BYTES:
                        raise DownloadError(Failure.CATALOG, f"{resp.url}: larger than {_mb(CATALOG_MAX_BYTES)}")
        except requests.RequestException as exc:
            raise DownloadError(Failure.NETWORK, f"{self.url(CATALOG)}: the transfer broke off: {exc}") from None
        try:
            data = json.loads(bytes(body))
        except ValueError as exc:
            raise DownloadError(Failure.CATALOG, f"{self.url(CATALOG)}: not a voices.json ({exc})") from None
        if not isinstance(data, dict):
            raise DownloadError(Failure.CATALOG, f"{self.url(CATALOG)}: not a voices.json (no object)")
        return data

    def voice(self, name: str) -> RemoteVoice:
        """The catalog's entry of a voice (by name or one of its aliases); unknown names get suggestions."""
        catalog = self.catalog()
        key = name if name in catalog else next(
            (k for k, e in catalog.items() if isinstance(e, dict) and name in (e.get("aliases") or ())), None)
        if key is None:
            lang = name.split("-")[0]
            hints = difflib.get_close_matches(name, list(catalog), n=3, cutoff=0.6)
            hints += sorted(k for k in catalog if k.split("-")[0].split("_")[0] == lang.split("_")[0])[:8]
            hint = f" (did you mean: {', '.join(dict.fromkeys(hints))})" if hints else ""
            raise DownloadError(Failure.UNKNOWN_VOICE,
                                f"no voice named {name!r} in the voices repository {self.base_url}{hint}")
        return parse_voice(key, catalog[key])

    def fetch(self, remote: RemoteFile, part: Path, progress: Progress) -> None:
        """Bring ``part`` to the whole file: continue what it holds with a Range request, else start anew."""
        have = part.stat().st_size if part.exists() else 0
        if have > remote.size:
            part.unlink()
            have = 0
        if have == remote.size:
            return
        headers = {"Range": f"bytes={have}-"} if have else {}
        resp = self._get(remote.path, headers)
        with resp:
            if resp.status_code == 416:  # the server has less than we hold: that part is not this file
                part.unlink(missing_ok=True)
                raise DownloadError(Failure.SIZE_MISMATCH, f"{resp.url}: the server's file is shorter than the "
                                                           f"part already fetched; nothing was installed, run again")
            if have and resp.status_code == 206:
                match = _CONTENT_RANGE_RE.match(resp.headers.get("Content-Range", ""))
                if not match or int(match[1]) != have:
                    raise DownloadError(Failure.NETWORK, f"{resp.url}: the server answered another range "
                                                         f"({resp.headers.get('Content-Range')!r}) than asked for")
                progress(f"  resuming {remote.name} at {_mb(have)} of {_mb(remote.size)}")
            else:
                if have:
                    progress(f"  {remote.name}: the server does not resume, starting again")
                have = 0
                progress(f"  fetching {remote.name} ({_mb(remote.size)})")
            self._write(resp, remote, part, have)

    def _write(self, resp: requests.Response, remote: RemoteFile, part: Path, have: int) -> None:
        """Append the answer's body to ``part`` (from ``have``), never past the catalog's size; keep it on a break."""
        # Unbuffered: what counts as fetched is on disk, and a full disk cannot fail again when the file closes.
        with open(part, "r+b" if have else "wb", buffering=0) as f:
            f.seek(have)
            f.truncate()
            try:
                for block in resp.iter_content(BLOCK):
                    if have + len(block) > remote.size:
                        f.close()
                        part.unlink()
                        raise DownloadError(Failure.SIZE_MISMATCH, f"{resp.url}: longer than the {remote.size} bytes "
                                                                   f"voices.json gives; nothing was installed")
                    view = memoryview(block)
                    while view:
                        view = view[f.write(view) or 0:]
                    have += len(block)
            except requests.RequestException as exc:
                raise self._broken_off(remote, have, exc) from None
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise DownloadError(Failure.NO_SPACE, f"the disk of {part.parent} is full after {_mb(have)} "
                                                          f"of {remote.name}: free "
                                                          f"{_mb(remote.size - have + SPARE_BYTES)} and run again "
                                                          f"to resume") from None
                raise
            finally:
                if not f.closed:
                    os.fsync(f.fileno())
        if have < remote.size:  # the server closed early without saying how long the file was
            raise self._broken_off(remote, have, "the connection closed early")

    def _broken_off(self, remote: RemoteFile, have: int, why: object) -> DownloadError:
        """The error of a transfer cut short: the part is kept for the next run."""
        return DownloadError(Failure.NETWORK, f"{self.url(remote.path)}: the transfer broke off after {_mb(have)} of "
                                              f"{_mb(remote.size)} ({why}); the part is kept: run the same command "
                                              f"again to resume")


def part_path(folder: Path, remote: RemoteFile) -> Path:
    """Where a file is fetched to: hidden, beside its target, named by its digest (a changed file starts anew)."""
    return folder / f".{remote.name}.{remote.expected()[1][:16]}.part"


def _verify(remote: RemoteFile, part: Path) -> None:
    """Check a fetched file's size and digest; a wrong one is deleted (nothing is installed)."""
    size = part.stat().st_size
    algo, expected = remote.expected()
    digest = hashlib.new(algo)
    with open(part, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    if size != remote.size or digest.hexdigest() != expected:
        part.unlink()
        got = f"{size} bytes, {algo} {digest.hexdigest()}"
        raise DownloadError(Failure.DIGEST_MISMATCH if size == remote.size else Failure.SIZE_MISMATCH,
                            f"{remote.name} is corrupt: {got}, voices.json says {remote.size} bytes, {algo} "
                            f"{expected}; it was deleted and nothing was installed (run again to fetch it anew)")


def _check_room(folder: Path, needed: int) -> None:
    """Refuse to start when the voices folder's disk cannot hold what is still to be fetched."""
    free = shutil.disk_usage(folder).free
    if free < needed + SPARE_BYTES:
        raise DownloadError(Failure.NO_SPACE, f"not enough space in {folder}: {_mb(needed)} to fetch (and "
                                              f"{_mb(SPARE_BYTES)} spare), {_mb(free)} free")


def download_voice(store: VoiceStore, repo: VoiceRepository, name: str, max_bytes: int, replace: bool = False,
                   progress: Progress = lambda _: None) -> tuple[VoiceFiles, RemoteVoice]:
    """Fetch, verify and install the voice ``name`` into the store's folder; return it and its catalog entry."""
    if not VOICE_NAME_RE.match(name):
        raise DownloadError(Failure.UNKNOWN_VOICE, f"{name!r} is not a voice name (e.g. de_DE-thorsten-medium)")
    remote = repo.voice(name)
    folder = store.folder
    target = VoiceFiles(remote.name, folder / f"{remote.name}.onnx", folder / f"{remote.name}.onnx.json", "instance")
    if target.model.exists() and not replace:
        raise DownloadError(Failure.INSTALLED, f"a voice named {remote.name} is already installed "
                                               f"(remove it first, or --replace)")
    if remote.size > max_bytes:
        raise DownloadError(Failure.TOO_LARGE, f"{remote.name} is {_mb(remote.size)}, more than the "
                                               f"{_mb(max_bytes)} VOICES_DOWNLOAD_MAX_BYTES allows")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with FileLocks(folder).hold(f".download-{remote.name}", timeout=0):
            parts = _fetch_all(folder, repo, remote, progress)
            os.replace(parts[0], target.model)
            os.replace(parts[1], target.config)
            _sync_dir(folder)
    except LockTimeout:
        raise DownloadError(Failure.BUSY, f"{remote.name} is being downloaded by another process") from None
    return target, remote


def _fetch_all(folder: Path, repo: VoiceRepository, remote: RemoteVoice, progress: Progress) -> tuple[Path, Path]:
    """Fetch and verify the model and the configuration into their parts; return the two parts, ready to rename."""
    files = (remote.model, remote.config)
    parts = tuple(part_path(folder, f) for f in files)
    for f, part in zip(files, parts, strict=True):  # parts of an older version of the file cannot be resumed
        for stale in folder.glob(f".{f.name}.*.part"):
            if stale != part:
                stale.unlink(missing_ok=True)
    held = sum(min(p.stat().st_size, f.size) for f, p in zip(files, parts, strict=True) if p.exists())
    _check_room(folder, remote.size - held)
    for f, part in zip(files, parts, strict=True):
        repo.fetch(f, part, progress)
        _verify(f, part)
        os.chmod(part, 0o644)
    try:
        read_config(parts[1])
        with open(parts[0], "rb") as model:
            if model.read(1) != b"\x08":  # an ONNX ModelProto starts with field 1 (ir_version)
                raise VoiceError(f"{remote.model.name}: not an ONNX model")
    except VoiceError as exc:  # the repository lists it, but it is no Piper voice: keep nothing of it
        for part in parts:
            part.unlink(missing_ok=True)
        raise DownloadError(Failure.NOT_A_VOICE, f"{exc}; nothing was installed") from None
    return parts[0], parts[1]


def _sync_dir(folder: Path) -> None:
    """Make the renames survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
