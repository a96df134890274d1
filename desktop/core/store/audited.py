"""`@audited("restore", profile="request.into", backup_id="request.source")`:
one line on a job function records it in the activity log.

The CLI and the window call the same job functions, so decorating the job is
the one place both get their records from. The decorator names where the
record's subject comes from: `profile` and `backup_id` are each an argument
of the job ("backup_id") or an attribute of one ("request.into"); a profile
argument that is a Profile gives its database too. Once the job has
returned, its result fills in what is still unknown (`profile`, `database`,
`backup_id` or `id`, `manifest`). No other argument is looked at, so a
password never is.

Writing the record never changes the job's outcome: should the log be
unwritable, the job's own result or error still reaches the user and the
failure goes to the app log.
"""
import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from desktop.core.errors import Cancelled, LifeboatError
from desktop.core.store.audit_log import AuditLog
from desktop.core.store.audit_seal import AuditSeal

log = logging.getLogger("lifeboat.audit")
F = TypeVar("F", bound=Callable[..., Any])


def audited(action: str, *, profile: str = "", backup_id: str = "") -> Callable[[F], F]:
    """`profile` and `backup_id`: "argument" or "argument.attribute" of the job."""
    sources = {field: where for field, where in (("profile", profile), ("backup_id", backup_id)) if where}

    def decorate(function: F) -> F:
        signature = inspect.signature(function)
        for where in sources.values():
            if where.split(".")[0] not in signature.parameters:
                raise TypeError(f"@audited({action!r}): {function.__name__} has no argument {where!r}")

        @functools.wraps(function)
        def run(*args, **kwargs):
            call = signature.bind(*args, **kwargs).arguments
            owner = next(iter(call.values()))  # the Workspace (or ProfileStore) the job runs in
            subject = _subject_of_call(call, sources)
            started = time.monotonic()
            try:
                result = function(*args, **kwargs)
            except (Cancelled, KeyboardInterrupt) as exc:
                _record(owner, action, subject, "cancelled", started, _message(exc))
                raise
            except BaseException as exc:
                _record(owner, action, subject, "failed", started, _message(exc))
                raise
            subject.update({key: value for key, value in _subject_of_result(result).items() if value})
            ok = getattr(result, "ok", True) is not False
            _record(owner, action, subject, "ok" if ok else "failed", started, _result_message(result))
            return result

        return run  # type: ignore[return-value]

    return decorate


def _subject_of_call(call: dict, sources: dict[str, str]) -> dict:
    subject = {"profile": "", "database": "", "backup_id": ""}
    for field, where in sources.items():
        argument, _, attribute = where.partition(".")
        value = call.get(argument)
        if attribute:
            value = getattr(value, attribute, None)
        if field == "profile" and hasattr(value, "dbname"):  # a Profile
            subject.update(profile=value.name, database=value.dbname)
        elif isinstance(value, str):
            subject[field] = value
    return subject


def _subject_of_result(result: Any) -> dict:
    if hasattr(result, "dbname"):  # a Profile
        return {"profile": result.name, "database": result.dbname}
    manifest = getattr(result, "manifest", None)
    return {
        "profile": getattr(result, "profile", None) or getattr(manifest, "profile", None),
        "database": getattr(result, "database", None) or getattr(manifest, "database", None),
        "backup_id": getattr(result, "backup_id", None) or getattr(result, "id", None),
    }


def _result_message(result: Any) -> str:
    if getattr(result, "audit_message", None):
        return result.audit_message
    check = getattr(result, "check", None)
    return check.summary() if hasattr(check, "summary") else ""


def _message(exc: BaseException) -> str:
    if isinstance(exc, LifeboatError):
        return exc.message
    if isinstance(exc, KeyboardInterrupt):
        return "Stopped by the user."
    # Not str(exc): an unexpected error's text may quote a connection string.
    return f"Unexpected error ({type(exc).__name__})."


def _record(owner: Any, action: str, subject: dict, result: str, started: float, message: str) -> None:
    paths = getattr(owner, "paths", None)
    if paths is None:
        return
    if subject["profile"] and not subject["database"]:
        subject["database"] = _database_of(owner, subject["profile"])
    try:
        audit_log_of(owner).append(
            action, result=result, duration_s=time.monotonic() - started, message=message, **subject,
        )
    except LifeboatError as exc:
        log.warning("activity log not written for %s: %s | %s", action, exc.message, exc.detail)


def record_quietly(owner: Any, action: str, **fields) -> None:
    """One activity-log record for something that is not a job; a log that cannot
    be written goes to the app log and never changes the outcome."""
    try:
        audit_log_of(owner).append(action, **fields)
    except LifeboatError as exc:
        log.warning("activity log not written for %s: %s | %s", action, exc.message, exc.detail)


def audit_log_of(owner: Any) -> AuditLog:
    """The activity log of a Workspace (or ProfileStore): signed with its
    installation's keyring entry, its head kept in its catalog too."""
    seal = AuditSeal(owner.secrets, owner.paths.catalog_file) if getattr(owner, "secrets", None) else None
    return AuditLog(owner.paths.audit_file, seal)


def _database_of(owner: Any, profile_name: str) -> str:
    profiles = getattr(owner, "profiles", None)
    try:
        return profiles.get(profile_name).dbname if profiles is not None else ""
    except LifeboatError:
        return ""
