"""`flask voices`: which voice speaks each locale and which are installed; add, download, remove Piper voices."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..tts import VoicedBackend, get_tts
from ..tts.download import VoiceRepository, download_voice
from ..tts.piper import PiperBackend
from ..tts.voices import VoiceError, VoiceFiles, VoiceStore, language_of, read_config

voices_cli = AppGroup("voices", help="List the voices of every locale; add, download and remove Piper voices.")


def _store() -> VoiceStore:
    """The voices folder of this instance (and the voices of installed packages)."""
    return VoiceStore(current_app.config["VOICES_DIR"])


def _backend() -> PiperBackend:
    """The app's Piper backend, or one for listing when no locale uses Piper."""
    backend = get_tts().backends.get("piper")
    if isinstance(backend, PiperBackend):
        return backend
    return PiperBackend({}, current_app.config["VOICES_DIR"], max_loaded=1)


def _describe(voice: VoiceFiles) -> str:
    """Language, size and origin of a voice."""
    try:
        lang = language_of(read_config(voice.config))
    except VoiceError:
        lang = "?"
    size = voice.model.stat().st_size / 1e6
    origin = "voices folder" if voice.source == "instance" else f"package {voice.source}"
    return f"{lang:7} {size:6.1f} MB  {origin}"


@voices_cli.command("list")
def list_command() -> None:
    """Every voice found, then each locale's speech: its Piper voice and whether espeak-ng stands in."""
    store = _store()
    voices = store.all()
    backend = _backend()
    tts = get_tts()
    click.echo(f"Voices ({store.folder} and installed *-piper-voice packages):")
    if not voices:
        click.echo("  none")
    for name, voice in sorted(voices.items()):
        users = sorted(loc for loc, v in backend.voices.items() if v == name)
        click.echo(f"  {name:32} {_describe(voice)}" + (f"  used by {', '.join(users)}" if users else ""))
    click.echo("Locales (what speaks now; below it, the voices installed here for it, best first):")
    for locale in current_app.config["SHIPPED_LOCALES"]:
        info = tts.locale_state(locale)
        line = f"  {locale:4} {info['backend']}"
        if "voice" in info:
            line += f":{info['voice']}"
        speaking = tts.backends[info["backend"]]
        if "fallback" in info:
            state, why = (speaking.status(info["voice"]) if "voice" in info and isinstance(speaking, VoicedBackend)
                          else (info["fallback"], ""))
            line += f"  -> espeak-ng stands in: voice {state}" + (f" ({why})" if why else "")
        elif "voice" in info:
            line += f"  ok  {tts.voices(locale).get(locale, '')}"
        click.echo(line)
        for option in tts.installed(locale):
            size = f"{option.size / 1e6:6.1f} MB" if option.size is not None else " " * 9
            click.echo(f"         {option.spec:28} {size}  {option.licence}")
    click.echo("Engines (versions are part of every audio cache key):")
    for name, engine in tts.backends.items():
        click.echo(f"  {name:8} {engine.version}")
    if not backend.available():
        click.echo("piper-tts is not installed: pip install -e .[piper] (GPL-3.0)")


@voices_cli.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Install under this name (default: the file's name without .onnx).")
@click.option("--replace", is_flag=True, help="Replace an installed voice of the same name.")
def add_command(path: Path, name: str | None, replace: bool) -> None:
    """Copy PATH (a .onnx voice) and PATH.json into the voices folder."""
    try:
        voice = _store().add(path, name, replace)
    except (VoiceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {voice.name} ({_describe(voice)}); use it with "
               f"FLASK_TTS_BACKENDS='{{\"<locale>\": \"piper:{voice.name}\"}}'")


@voices_cli.command("remove")
@click.argument("name")
def remove_command(name: str) -> None:
    """Delete the voice NAME from the voices folder (its locales fall back to espeak-ng)."""
    try:
        voice = _store().remove(name)
    except (VoiceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    users = sorted(loc for loc, v in _backend().voices.items() if v == voice.name)
    note = f"; espeak-ng now reads {', '.join(users)} (unless a package ships {voice.name})" if users else ""
    click.echo(f"removed {voice.name}{note}")


@voices_cli.command("download")
@click.argument("name")
@click.option("--replace", is_flag=True, help="Replace an installed voice of the same name.")
def download_command(name: str, replace: bool) -> None:
    """Fetch the voice NAME (e.g. de_DE-thorsten-medium) from VOICES_BASE_URL: checked, resumable, atomic."""
    cfg = current_app.config
    repo = VoiceRepository(cfg["VOICES_BASE_URL"], timeout=float(cfg["VOICES_DOWNLOAD_TIMEOUT"]))
    try:
        voice, remote = download_voice(_store(), repo, name, int(cfg["VOICES_DOWNLOAD_MAX_BYTES"]), replace,
                                       progress=click.echo)
    except (VoiceError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    algo = remote.model.expected()[0]
    click.echo(f"downloaded {voice.name} ({_describe(voice)}, size and {algo} as voices.json says); use it with "
               f"FLASK_TTS_BACKENDS='{{\"<locale>\": \"piper:{voice.name}\"}}'")
    if remote.card:
        click.echo(f"its licence and training data: {repo.url(remote.card)}")
