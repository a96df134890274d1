"""Alerts to a webhook: an HTTP POST of the event as JSON (events.py has its fields).

Chat tools and monitoring services take this as is or through their own
small adapter; any 2xx answer counts as delivered. No redirects are
followed for a POST (urllib would turn it into a GET and lose the body).
"""
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from desktop.core.alerts.channels import AlertChannel
from desktop.core.alerts.delivery import TIMEOUT_S, AlertNotSent, network_reason
from desktop.core.alerts.events import AlertEvent
from desktop.core.redact import redact


def post_webhook(channel: AlertChannel, event: AlertEvent) -> None:
    body = json.dumps(event.to_json(), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        channel.url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Lifeboat"},
    )
    where = _address(channel.url)
    try:
        with _opener().open(request, timeout=TIMEOUT_S) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        raise AlertNotSent(f"The web address {where} answered the alert with error {exc.code} ({exc.reason}).",
                           detail=repr(exc)) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
        raise AlertNotSent(f"The alert was not posted because {network_reason(reason, where)}.",
                           detail=repr(exc)) from exc
    except OSError as exc:  # a timeout or reset while reading the answer
        raise AlertNotSent(f"The alert was not posted because {network_reason(exc, where)}.",
                           detail=repr(exc)) from exc


def _address(url: str) -> str:
    """The URL without its path and query: a chat webhook's path is its secret token."""
    parts = urlsplit(url)
    return redact(f"{parts.scheme}://{parts.netloc}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx arrives as an HTTPError, and says so


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)
