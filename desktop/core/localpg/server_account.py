"""Which OS account runs a local cluster's server programs.

initdb, pg_ctl and postgres refuse to run as root ("cannot be run as root":
a compromised server must not own the machine), so under root they run as the
`postgres` account that Debian's postgresql package creates, and every folder
they use must be reachable by it. Not root: they run as ourselves.
"""
import os
import stat
from pathlib import Path

from desktop.core.errors import ClusterError

SERVER_OS_USER = "postgres"


def server_account():
    """The `pwd.struct_passwd` to run server programs as, or None for ourselves."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd  # POSIX only, and only reached as root

    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        raise ClusterError(
            "PostgreSQL refuses to run as root and this computer has no 'postgres' user.",
            "running as root: create the 'postgres' OS user (the postgresql package does)",
        ) from None


def run_as(account) -> dict:
    """subprocess.run() arguments that run a child as `account`."""
    if account is None:
        return {}
    return dict(user=account.pw_uid, group=account.pw_gid, extra_groups=[])


def give_to(account, *paths: Path) -> None:
    if account is not None:
        for path in paths:
            os.chown(path, account.pw_uid, account.pw_gid)


def reachable_by(path: Path, account) -> bool:
    """Has `account` search permission on `path` and all its parents?
    Mode bits only: ACLs are not consulted. `path` must exist."""
    if account is None:
        return True
    import grp

    groups = {account.pw_gid} | {
        g.gr_gid for g in grp.getgrall() if account.pw_name in g.gr_mem
    }
    for folder in [path, *path.parents]:
        st = folder.stat()
        if st.st_uid == account.pw_uid:
            needed = stat.S_IXUSR
        elif st.st_gid in groups:
            needed = stat.S_IXGRP
        else:
            needed = stat.S_IXOTH
        if not st.st_mode & needed:
            return False
    return True
