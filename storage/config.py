"""``ALUR_ARCHIVE_URL`` to an object store.

* ``file:///abs/path``: the local-directory backend (the embedded default, ``<data dir>/archive``).
* ``s3://ACCESS:SECRET@host:port/?secure=false&region=..&prefix=..``: MinIO / S3. Credentials are
  percent-decoded (a ``/`` or ``@`` in a secret is written ``%2F`` / ``%40``). ``secure`` defaults
  to true (TLS); ``prefix`` (bucket name prefix) to ``alur-``. Tuning: ``connect_timeout`` and
  ``read_timeout`` (seconds), ``retries``, ``part_size`` (bytes).

Errors are ``ValueError`` naming ALUR_ARCHIVE_URL; they never repeat the secret.
"""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from storage.local_store import LocalStore
from storage.objectstore import ObjectStore
from storage.s3_store import S3Store

VARIABLE = "ALUR_ARCHIVE_URL"
_BOOLEAN = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_S3_OPTIONS = {"secure": str, "region": str, "prefix": str, "connect_timeout": float,
               "read_timeout": float, "retries": int, "part_size": int}


def _fail(problem: str) -> ValueError:
    return ValueError(f"{VARIABLE} {problem}; expected file:///abs/path or "
                      "s3://ACCESS:SECRET@host:port/?secure=false[&region=..][&prefix=..]")


def open_store(archive_url: str) -> ObjectStore:
    if not archive_url or not isinstance(archive_url, str):
        raise _fail("is empty")
    try:
        parts = urlsplit(archive_url.strip())
    except ValueError as exc:
        raise _fail(f"is not a URL ({exc})") from None
    if parts.scheme == "file":
        return _local(parts)
    if parts.scheme == "s3":
        return _s3(parts)
    raise _fail(f"has unsupported scheme {parts.scheme!r}")


def _local(parts) -> LocalStore:
    if parts.netloc not in ("", "localhost"):
        raise _fail(f"names a host ({parts.netloc!r}) for a file URL")
    if parts.query or parts.fragment:
        raise _fail("takes no query or fragment for a file URL")
    path = unquote(parts.path)
    if not path.startswith("/") or "\x00" in path:
        raise _fail("must give an absolute path for a file URL")
    return LocalStore(path)


def _s3(parts) -> S3Store:
    if parts.username is None or parts.password is None:
        raise _fail("lacks ACCESS:SECRET credentials")
    access, secret = unquote(parts.username), unquote(parts.password)
    if not access or not secret:
        raise _fail("has an empty access key or secret")
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise _fail("has an invalid port") from None
    if not host:
        raise _fail("lacks a host")
    if parts.path not in ("", "/") or parts.fragment:
        raise _fail("takes no path or fragment for an s3 URL (buckets come from the prefix)")
    endpoint = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _fail("has a malformed query string") from None
    options: dict = {}
    for name, values in query.items():
        if name not in _S3_OPTIONS:
            raise _fail(f"has unknown option {name!r} (known: {', '.join(_S3_OPTIONS)})")
        if len(values) != 1:
            raise _fail(f"gives option {name!r} more than once")
        try:
            options[name] = _S3_OPTIONS[name](values[0])
        except ValueError:
            raise _fail(f"has an invalid value for {name!r}") from None
    if "secure" in options:
        if options["secure"].lower() not in _BOOLEAN:
            raise _fail("has secure= other than true/false")
        options["secure"] = _BOOLEAN[options["secure"].lower()]
    if "region" in options and not options["region"]:
        raise _fail("has an empty region")
    try:
        return S3Store(endpoint, access, secret, **options)
    except ValueError as exc:
        raise _fail(f"is not usable: {exc}") from None
