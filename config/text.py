"""Text PostgreSQL cannot hold: a NUL character, or half a surrogate pair (JSON's "\\ud800"
decodes to one, and UTF-8 cannot encode it). Either fails the statement it is sent in: a
server error, where the caller deserves a refusal or, for a lookup, no match."""


def postgresql_can_hold(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def without_what_postgresql_cannot_hold(text: str) -> str:
    """The text without the characters PostgreSQL cannot hold."""
    return text.replace("\x00", "").encode(errors="ignore").decode()
