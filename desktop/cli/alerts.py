"""`lifeboat alerts add email|webhook | alerts list | alerts remove ID | alerts test` (CLI.md).

`add` prints the new channel's id; `test` sends a test alert to every
channel and exits 1 naming each one that did not get it, and why.
"""
import sys

from desktop.cli.terminal import print_json, read_secret, table
from desktop.core.alerts.channels import new_email_channel, new_webhook_channel
from desktop.core.alerts.dispatch import send_test_alert
from desktop.core.alerts.manage import add_channel, list_channels, remove_channel
from desktop.core.errors import LifeboatError, UsageError
from desktop.core.workspace import Workspace


def alerts_command(ws: Workspace, args) -> int:
    return {"add": _add, "list": _list, "remove": _remove, "test": _test}[args.alerts_command](ws, args)


def _add(ws: Workspace, args) -> int:
    if args.kind == "webhook":
        channel, password = new_webhook_channel(args.url, on_success=args.on_success), None
    else:
        channel = new_email_channel(args.to, args.smtp, security=args.security or "none", user=args.user,
                                    sender=args.sender, on_success=args.on_success)
        password = _password(args)
    channel = add_channel(ws, channel, password)
    print(f"Added alert channel: {channel.describe()}.", file=sys.stderr)
    print(channel.id)
    return 0


def _password(args) -> str | None:
    if args.password_stdin and not args.user:
        raise UsageError("--password-stdin needs --user: the password is the one that user logs in with.")
    if not args.user:
        return None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = read_secret(f"Password of {args.user} on the mail server: ")
    if not password:
        raise UsageError(f"The mail server needs the password of {args.user}: "
                         "give it on standard input with --password-stdin, or type it when asked.")
    return password


def _list(ws: Workspace, args) -> int:
    channels = list_channels(ws)
    if args.json:
        print_json([channel.to_json() for channel in channels])
        return 0
    if not channels:
        print("No alert channels yet. Add one with `lifeboat alerts add email` or `lifeboat alerts add webhook`.")
        return 0
    rows = [(c.id, c.describe(), "yes" if c.on_success else "no", _last_failure(c)) for c in channels]
    print(table(rows, ("ID", "CHANNEL", "ON SUCCESS", "LAST FAILURE (UTC)")))
    return 0


def _last_failure(channel) -> str:
    if channel.last_error:
        return f"{channel.last_error_at}: {channel.last_error}"
    return f"none (last sent {channel.last_ok_at})" if channel.last_ok_at else "none"


def _remove(ws: Workspace, args) -> int:
    channel = remove_channel(ws, args.id)
    print(f"Removed alert channel {channel.id}: {channel.describe()}.")
    return 0


def _test(ws: Workspace, args) -> int:
    deliveries = send_test_alert(ws)
    if not deliveries:
        raise LifeboatError("There are no alert channels to test. Add one with `lifeboat alerts add email` "
                         "or `lifeboat alerts add webhook`.")
    for delivery in deliveries:
        verdict = "sent" if delivery.ok else f"NOT sent: {delivery.error}"
        print(f"{delivery.channel.id}  {delivery.channel.describe()}: {verdict}")
    failed = [d for d in deliveries if not d.ok]
    if failed:
        names = " ".join(f"{d.channel.describe()}: {d.error}" for d in failed)
        raise LifeboatError(f"{len(failed)} of {len(deliveries)} alert channels did not get the test alert: {names}")
    return 0


COMMANDS = {"alerts": alerts_command}
