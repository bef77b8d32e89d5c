"""Guessable passwords (finding L5): zxcvbn's estimate, fed with the city's and the service's own words and a
short German deny list, judged with and without separators; a password made of those words, years, digits and
symbols alone is refused whatever the estimate says (zxcvbn counts ``Bildung-Herne-2026`` as strong)."""
from __future__ import annotations

import datetime as dt
import re

from zxcvbn import zxcvbn

#: zxcvbn looks at this many characters (its own limit); a longer password is judged by its start.
ESTIMATE_CHARS = 72
#: Words of the city, the region and this service: the first an attacker of this service tries.
CITY_WORDS = (
    "herne", "stadtherne", "stadt", "bildung", "bildungsportal", "talent", "talente", "talentschule",
    "talentschulen", "schule", "schulen", "ruhr", "ruhrgebiet", "ruhrpott", "pott", "nrw", "westfalen", "wanne",
    "eickel", "wanneeickel", "crange", "cranger", "kirmes", "emscher", "workbench", "werkstatt", "uebersetzung",
    "übersetzung", "uebersetzer", "übersetzer", "translate", "vorlesen", "barrierefrei", "barrierefreiheit",
)
#: Common German passwords and words that zxcvbn's English lists miss (its lists cover the English ones).
COMMON_GERMAN = (
    "passwort", "kennwort", "geheim", "hallo", "willkommen", "schatz", "schatzi", "mausi", "engel", "liebe",
    "ichliebedich", "fussball", "fußball", "schalke", "borussia", "dortmund", "bochum", "bvb", "deutschland",
    "berlin", "qwertz", "qwertzu", "asdfgh", "sonne", "sommer", "winter", "herbst", "fruehling", "frühling",
    "januar", "februar", "maerz", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
    "november", "dezember", "montag", "freitag", "sonntag", "benutzer", "anmeldung", "zugang", "sicher",
    "sicherheit", "admin", "administrator", "hund", "katze", "blume", "familie", "heimat", "glueck", "glück",
)
#: Letters that must be left once those words, years, digits and symbols are taken out.
MIN_REST = 6


def _years() -> list[str]:
    """This year and the ones around it, as people put them into passwords."""
    year = dt.date.today().year
    return [str(y) for y in range(year - 10, year + 3)]


def words(username: str = "") -> list[str]:
    """Everything zxcvbn is told to count as known: the account's name, the city's words, the deny list, years."""
    return [w for w in (username.lower(), *CITY_WORDS, *COMMON_GERMAN, *_years()) if w]


def built_from_known_words(password: str, username: str = "") -> bool:
    """Tell whether a password is little more than known words with years, digits and symbols around them (a long
    random string of digits holds no known word: zxcvbn judges that one alone)."""
    rest = password.lower()
    found = False
    for word in sorted(words(username), key=len, reverse=True):
        if word in rest:
            found = found or word.isalpha()
            rest = rest.replace(word, " ")
    rest = re.sub(r"[\W\d_]+", "", rest)  # digits, separators, symbols
    return found and len(rest) < MIN_REST


def score(password: str, username: str = "") -> int:
    """zxcvbn's score (0-4): the lower of the password as typed and without its separators."""
    known = words(username)
    collapsed = re.sub(r"[\W_]+", "", password)
    candidates = {password[:ESTIMATE_CHARS], collapsed[:ESTIMATE_CHARS]} - {""}
    return min(int(zxcvbn(c, user_inputs=known)["score"]) for c in candidates) if candidates else 0
