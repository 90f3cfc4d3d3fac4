"""Which name of a place a reader sees: its local script's, or the romanised one.

A ``Location.local_name`` is written in its country's script (重庆, Hà Nội, ວຽງຈັນ);
a reader of that language sees it, everyone else the romanised ``name``.
"""

LOCAL_SCRIPT_LANGUAGE = {
    "CN": "zh",
    "HK": "zh",
    "MO": "zh",
    "TW": "zh",
    "VN": "vi",
    "TH": "th",
    "LA": "lo",
    "KH": "km",
    "MM": "my",
}


def place_name(*, name: str, local_name: str, country: str, language: str | None) -> str:
    wanted = LOCAL_SCRIPT_LANGUAGE.get(str(country))
    if local_name and wanted and (language or "").split("-")[0] == wanted:
        return local_name
    return name
