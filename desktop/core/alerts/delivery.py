"""Why an alert did not arrive, in words the person who set up the channel understands.

E-mail and webhooks fail the same few ways on the network (nothing listens,
the name is unknown, no answer in time, a certificate that does not check
out); `network_reason` says each once for both senders.
"""
import socket
import ssl

from desktop.core.errors import LifeboatError

TIMEOUT_S = 15  # per channel; a silent server never holds up the backup that raised the alert for longer


class AlertNotSent(LifeboatError):
    """One channel could not deliver one alert."""


def network_reason(exc: BaseException, where: str) -> str:
    """`exc` from talking to `where` (a server or address), as the end of "…because …"."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the certificate of {where} could not be checked ({exc.verify_message}); "
                "it may be self-made or for another name")
    if isinstance(exc, ssl.SSLError):
        return (f"a secure connection to {where} could not be made ({exc.reason or exc}); "
                "check whether it wants SSL or STARTTLS")
    if isinstance(exc, socket.gaierror):
        return f"{where} could not be found on this network; check how its name is spelled"
    if isinstance(exc, ConnectionRefusedError):
        return f"nothing answered at {where} (the connection was refused); check the name and port"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {TIMEOUT_S} seconds"
    if isinstance(exc, OSError):
        return f"the network connection to {where} failed ({exc.strerror or exc})"
    return f"of an unexpected error ({type(exc).__name__})"
