"""Credentials in URLs: the one redaction for every URL Retest stores or shows.

A model URL may carry a password (`http://user:pass@host/v1`, e.g. Ollama behind
a basic-auth proxy) or a token in its query (`?api_key=...`). Requests use the
real URL; everything written or printed (saved settings, run records, reports,
exports, changelogs, `retest models`, error messages) goes through
`redact_urls` first, so the secret reaches no file and no screen.

Redacted, a URL keeps its shape so people can still tell servers apart: a
password becomes `***` (the user name stays: it says which account), a lone
user part becomes `***` (a lone user part is usually a token), and a credential
query value becomes `***`. Everything else is kept byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

MASK = "***"

# Query-string keys that carry credentials on some services (the recording room drops them from cassettes).
SECRET_QUERY_KEYS = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "x-api-key",
        "key",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "auth",
        "client_secret",
        "secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "signature",
    }
)

# A URL inside free text: a scheme, '://', then anything up to white space or a quote.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")


def _split(url: str) -> tuple[str, str, str, str] | None:
    """(scheme, userinfo, host part, rest) of `url`; userinfo '' when absent; None when it is no `scheme://` URL."""
    scheme, sep, after = url.partition("://")
    if not sep:
        return None
    ends = [i for i in (after.find(c) for c in "/?#") if i >= 0]
    end = min(ends, default=len(after))
    authority, rest = after[:end], after[end:]
    # The last '@' ends the user part: an unencoded '@' in a password belongs to it.
    userinfo, _, host = authority.rpartition("@")
    return scheme, userinfo, host, rest


def _query_pairs(rest: str) -> tuple[str, list[str], str]:
    """`rest` (path, ?query, #fragment) as (path, the query's '&'-separated pairs, '#fragment')."""
    before_fragment, hash_, fragment = rest.partition("#")
    path, question, query = before_fragment.partition("?")
    return path, (query.split("&") if question else []), hash_ + fragment


def _is_secret_pair(pair: str) -> bool:
    key, eq, value = pair.partition("=")
    return bool(eq) and bool(value) and unquote(key).strip().lower() in SECRET_QUERY_KEYS


def redact_url(url: str) -> str:
    """`url` with its password (or lone user part) and credential query values replaced by `***`."""
    parts = _split(url)
    if parts is None:
        return url
    scheme, userinfo, host, rest = parts
    if userinfo:
        user, colon, _password = userinfo.partition(":")
        userinfo = f"{user}:{MASK}" if colon and user else MASK
    path, pairs, fragment = _query_pairs(rest)
    if any(_is_secret_pair(p) for p in pairs):
        pairs = [f"{p.partition('=')[0]}={MASK}" if _is_secret_pair(p) else p for p in pairs]
        rest = f"{path}?{'&'.join(pairs)}{fragment}"
    return f"{scheme}://{userinfo + '@' if userinfo else ''}{host}{rest}"


def strip_url_credentials(url: str) -> str:
    """`url` without its user part at all (what a cassette records: replay matches on it, not on who asked)."""
    parts = _split(url)
    if parts is None or not parts[1]:
        return url
    scheme, _, host, rest = parts
    return f"{scheme}://{host}{rest}"


def url_secrets(url: str) -> list[str]:
    """The credential values `url` holds (password or lone user part, credential query values), decoded and raw."""
    parts = _split(url)
    if parts is None:
        return []
    _, userinfo, _, rest = parts
    found: list[str] = []
    if userinfo:
        user, colon, password = userinfo.partition(":")
        found.append(password if colon and user else userinfo)
    found += [p.partition("=")[2] for p in _query_pairs(rest)[1] if _is_secret_pair(p)]
    secrets = [s for s in found if s and s != MASK]
    return list(dict.fromkeys([*secrets, *(unquote(s) for s in secrets)]))


def text_secrets(text: str) -> list[str]:
    """The credential values of every URL in `text` (`url_secrets` of each)."""
    if "://" not in text:
        return []
    return list(dict.fromkeys(secret for match in _URL_IN_TEXT.finditer(text) for secret in url_secrets(match.group(0))))


def has_redacted_credentials(url: str) -> bool:
    """True when `url` went through `redact_url` and lost a credential (it cannot authenticate any more)."""
    parts = _split(url)
    if parts is None:
        return False
    _, userinfo, _, rest = parts
    if userinfo == MASK or userinfo.endswith(f":{MASK}"):
        return True
    return any(p.partition("=")[2] == MASK for p in _query_pairs(rest)[1] if _is_secret_pair(p))


def redact_urls(text: str) -> str:
    """`text` with every URL in it redacted (`redact_url`); a model string is text with one URL."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


def redact_values(value: Any) -> Any:
    """`value` with `redact_urls` applied to every string in it, through dicts, lists and tuples (saved settings, records)."""
    if isinstance(value, str):
        return redact_urls(value)
    if isinstance(value, Mapping):
        return {key: redact_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_values(item) for item in value)
    return value
