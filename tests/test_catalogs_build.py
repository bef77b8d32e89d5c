"""Compiling: the .mo is written atomically and only after every check passed."""
from __future__ import annotations

import pytest

from service.catalogs.build import CheckFailed, compile_po
from service.catalogs.checks import Finding

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: tr\\n"\n\n'


def _po(tmp_path, msgid: str, msgstr: str):
    """A one-entry Turkish catalog on disk."""
    po = tmp_path / "messages.po"
    po.write_text(f'{HEADER}#, python-format\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n', encoding="utf-8")
    return po


def test_a_failing_check_keeps_the_old_mo(tmp_path):
    """A catalog with a bad placeholder is not compiled over the old .mo, and leaves no temporary file."""
    po = _po(tmp_path, "rund %(amount)s", "yaklaşık %(amount)s")
    mo = compile_po(po)
    good = mo.read_bytes()
    po.write_text(po.read_text(encoding="utf-8").replace('"yaklaşık %(amount)s"', '"yaklaşık"'), encoding="utf-8")
    with pytest.raises(CheckFailed, match="placeholders differ") as raised:
        compile_po(po)
    assert raised.value.findings == (Finding("placeholders", "rund %(amount)s", ("%(amount)s",), (), ("%(amount)s",)),)
    assert mo.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messages.mo", "messages.po"]


@pytest.mark.parametrize("msgstr, missing, extra", [
    ("Yayın tarihi: %(date)s %", (), ("%",)),
    ("Yayın tarihi: %(date)i", (), ("%(date)i",)),
])
def test_malformed_or_changed_python_format_is_not_compiled(tmp_path, msgstr, missing, extra):
    """A lone % or a %(name)i where the source has %(name)s: no .mo at all."""
    po = _po(tmp_path, "Veröffentlicht am %(date)s", msgstr)
    with pytest.raises(CheckFailed) as raised:
        compile_po(po)
    expected = Finding("python-format", "Veröffentlicht am %(date)s", missing, extra, ("%(date)s",))
    assert expected in raised.value.findings
    assert not po.with_suffix(".mo").exists()
