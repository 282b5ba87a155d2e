"""The error boundary's vocabulary: any failure rex expects (its own errors, S3's, the
database's, the operating system's) as one exit code, a kind and a one-line message.

Exit codes: 0 fine; 1 findings or a refusal; 2 bad input or configuration; 3 busy (another rex
holds a lock); 4 a dependency (the S3 endpoint, a database server) could not be reached;
70 an internal error (a bug in rex). Nothing here imports boto3 or SQLAlchemy: an exception of
theirs can only exist once they are imported, so their modules are looked up in sys.modules.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from retention.errors import BusyError, PolicyError, RexError

KINDS = {1: "refused", 2: "bad-input", 3: "busy", 4: "unreachable", 70: "internal"}
INTERNAL = 70
_CREDENTIALS = ("boto3 looked at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the "
                "shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE, "
                "AWS_CONFIG_FILE) and container or instance metadata; configure one of them")
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
           "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled"}
_NO_BUCKET = {"NoSuchBucket", "InvalidBucketName", "PermanentRedirect",
              "AuthorizationHeaderMalformed"}
_DOWN = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"}


@dataclass(frozen=True)
class Failure:
    """What the boundary prints: ``rex: error: <message>`` and exits with ``code``."""

    code: int
    message: str

    @property
    def kind(self) -> str:
        return KINDS.get(self.code, "bad-input")

    def document(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "kind": self.kind, "message": self.message}}


@dataclass(frozen=True)
class Where:
    """The configured places, to say where a failure happened (passwords hidden)."""

    storage: str | None = None
    catalog: str | None = None
    suite_db: str | None = None


def describe(exc: BaseException, where: Where) -> Failure | None:
    """The failure rex reports for ``exc``; None when rex did not expect it (a bug)."""
    if isinstance(exc, RexError):  # its code, unless it wraps an S3 or database failure
        # busy stays busy (3) even when the lock was found through a database error
        inner = None if isinstance(exc, BusyError) else exc.__cause__ or exc.__context__
        cause = (_boto(inner, where) or _database(inner, where)) if inner is not None else None
        code = cause.code if cause and cause.code in (2, 3, 4) else exc.exit_code
        text = str(exc).strip()  # a policy's problems stay one per line, as documented
        return Failure(code, text if isinstance(exc, PolicyError) else _one_line(text))
    return _external(exc, where)


def _external(exc: BaseException, where: Where) -> Failure | None:
    for check in (_boto, _database, _os):
        found = check(exc, where)
        if found is not None:
            return found
    return None


def _boto(exc: BaseException, where: Where) -> Failure | None:
    core, boto3 = sys.modules.get("botocore.exceptions"), sys.modules.get("boto3.exceptions")
    if core is None:
        return None
    at = f"storage {where.storage or '(S3)'}"
    if isinstance(exc, core.ClientError):
        return _client_error(exc, at)
    if isinstance(exc, core.NoCredentialsError | core.PartialCredentialsError
                  | core.CredentialRetrievalError):
        return Failure(2, f"{at}: no usable S3 credentials ({exc}); {_CREDENTIALS}")
    if isinstance(exc, core.ConnectionError | core.HTTPClientError):
        return Failure(4, f"{at}: could not reach the S3 endpoint ({exc}); check "
                          "AWS_ENDPOINT_URL, the network and that the service is up, then rerun")
    if isinstance(exc, core.BotoCoreError) or (boto3 and isinstance(exc, boto3.Boto3Error)):
        return Failure(2, f"{at}: {exc}; check the S3 configuration (AWS_ENDPOINT_URL, "
                          "AWS_DEFAULT_REGION, AWS_PROFILE)")
    return None


def _client_error(exc: Any, at: str) -> Failure:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "?"))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    said = f"{at}: S3 said {code}: {error.get('Message', exc)}"
    if code in _DENIED or status == 403:  # a refused HEAD has no body, only its status
        return Failure(2, f"{said}; check the credentials and their permissions. "
                          f"{_CREDENTIALS}")
    if code in _NO_BUCKET:
        return Failure(2, f"{said}; check the bucket in --storage (REX_STORAGE) and the "
                          "region (AWS_DEFAULT_REGION)")
    if code in _DOWN or status >= 500:
        return Failure(4, f"{said}; the service is unavailable: rerun later")
    return Failure(1, f"{said}; nothing more was done")


def _database(exc: BaseException, where: Where) -> Failure | None:
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is None or not isinstance(exc, sa.SQLAlchemyError):
        return None
    at = f"database {_hide(where.catalog)}"
    if where.suite_db and where.suite_db != where.catalog:
        at = f"database (--catalog {_hide(where.catalog)} or --suite-db {_hide(where.suite_db)})"
    if isinstance(exc, sa.ArgumentError | sa.NoSuchModuleError):
        return Failure(2, f"{at}: {_one_line(str(exc))}; give a SQLAlchemy URL like "
                          "sqlite:///rex.db or postgresql+psycopg://user@host/db")
    orig = getattr(exc, "orig", None) or exc
    said = _one_line(str(orig))
    if isinstance(exc, sa.OperationalError | sa.InterfaceError | sa.DisconnectionError
                  | sa.TimeoutError):
        if type(orig).__module__ == "sqlite3":
            if "locked" in said:
                return Failure(3, f"{at}: {said}; another process holds the database: "
                                  "retry later")
            return Failure(2, f"{at}: {said}; check the path in the URL exists and is "
                              "writable")
        if any(w in said for w in ("authentication", "password", "does not exist", "role ")):
            return Failure(2, f"{at}: {said}; check the user, password and database name "
                              "in the URL")
        return Failure(4, f"{at}: could not reach the database ({said}); check the host and "
                          "port in the URL and that the server is up, then rerun")
    return Failure(2, f"{at}: {said}; check that the URL names rex's database and that it is "
                      "migrated (rex db upgrade; for --suite-db: rex models init)")


def _os(exc: BaseException, _where: Where) -> Failure | None:
    if not isinstance(exc, OSError):
        return None
    names = " -> ".join(str(n) for n in (exc.filename, exc.filename2) if n is not None)
    what = f"{names}: {exc.strerror or exc}" if names else _one_line(str(exc))
    if isinstance(exc, ConnectionError | TimeoutError):
        return Failure(4, f"could not reach a service: {what}; check the network and that "
                          "the service is up, then rerun")
    return Failure(2, f"{what}; check that the path exists, is the right kind (file or "
                      "folder) and that rex may use it")


def internal(exc: BaseException) -> Failure:
    """A failure rex did not expect: one line, and how to see the traceback."""
    return Failure(INTERNAL, f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); "
                             "this is a bug in rex: rerun with REX_DEBUG=1 to see the "
                             "traceback and report it")


def _one_line(text: str) -> str:
    """A library's message (psycopg's span several lines) as one line."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _hide(url: str | None) -> str:
    """A database URL with its password hidden."""
    if not url:
        return "(none)"
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: shown without its user part
        return url.split("@")[-1]
