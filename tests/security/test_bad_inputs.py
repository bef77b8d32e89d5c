"""Finding 8: malformed values in headers and parameters get 4xx or are ignored, never a 500."""
from __future__ import annotations

import io

from ..test_audio_routes import section_url
from ..workbench_support import login, make_user, token, unescape


def test_range_headers_with_thousands_of_digits(client):
    """Digits beyond any file size are a malformed range (416), for the MP3 and the other files alike."""
    urls = section_url(client)
    for header in ("bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000):
        response = client.get(urls["mp3"], headers={"Range": header})
        assert response.status_code == 416, header[:20]
        for other in (urls["json"], urls["vtt"]):
            assert client.get(other, headers={"Range": header}).status_code == 416, (other, header[:20])


def test_a_suffix_range_longer_than_the_file_serves_all_of_it(client):
    """RFC 9110 14.1.2: the entire representation, not 416."""
    url = section_url(client)["mp3"]
    full = client.get(url).data
    response = client.get(url, headers={"Range": f"bytes=-{len(full) * 10}"})
    assert response.status_code == 206 and response.data == full
    assert response.headers["Content-Range"] == f"bytes 0-{len(full) - 1}/{len(full)}"
    assert client.get(url, headers={"Range": f"bytes=-{len(full)}"}).data == full


def test_cr_lf_in_next_and_back_are_ignored(app, client):
    """A line break in a redirect target would split the Location header: such targets are not followed."""
    make_user(app, "anna", locales=("en",))
    page = client.get("/translate/login?next=/translate/en/%0d%0aSet-Cookie:%20x=1")
    assert page.status_code == 200 and "Set-Cookie" not in unescape(page.text)
    response = client.post("/translate/login", data={"csrf_token": token(page.text), "username": "anna",
                                                      "password": "correct horse battery",
                                                      "next": "/translate/en/\r\nSet-Cookie: x=1"})
    assert response.status_code == 303 and response.headers["Location"] == "/translate/"
    editor = client.get("/translate/en/?back=/translate/%0d%0aX:%20y")
    assert editor.status_code == 200
    key_page = client.get("/translate/en/entry/0123456789abcdef?back=/translate/en/%0d%0ax")
    assert key_page.status_code == 404
    closed = client.post("/translate/en/suggestions/1", data={"csrf_token": token(editor.text), "state": "done",
                                                              "back": "/translate/en/\r\nX: y"})
    assert closed.status_code == 404  # no such suggestion, and no 500 on the way


def test_a_huge_workbench_mark_in_an_upload(app, client, translations_dir):
    """A mark with hundreds of digits is no mark: the upload merges as one without."""
    make_user(app, "anna", locales=("en",))
    login(client, "anna")
    data = client.get("/translate/en/download").data.decode()
    forged = data.replace("X-Workbench-Mark: 0", "X-Workbench-Mark: " + "9" * 500)
    assert forged != data
    forged = forged.replace('msgstr "Notice"', 'msgstr "Notice (uploaded)"')
    page = client.get("/translate/en/upload")
    response = client.post("/translate/en/upload", data={"csrf_token": token(page.text),
                                                          "po": (io.BytesIO(forged.encode()), "en.po")})
    assert response.status_code == 303
    assert "Datei übernommen. 1 Eintrag geändert." in unescape(client.get("/translate/en/").text)
