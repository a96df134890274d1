"""Running the real `lifeboat` CLI as a child process, and what its results
must look like (CLI.md). The children find secrets in the test-only
FileKeyring (tests/keyrings.py), set up by the `keyring_file` fixture."""
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def child_env() -> dict:
    return dict(os.environ, PYTHON_KEYRING_BACKEND="tests.keyrings.FileKeyring", PYTHONPATH=str(REPO))


def lifeboat_process(*args: str) -> subprocess.Popen:
    """A `lifeboat` child left running, for tests that stop or kill it."""
    return subprocess.Popen([sys.executable, "-m", "desktop", *args], cwd=REPO, env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def run_lifeboat(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """One `lifeboat` run to its end, with text stdout/stderr."""
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], cwd=REPO, env=child_env(), input=input,
        capture_output=True, text=True, timeout=120,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def failed_cleanly(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """The exit code, and a plain message on stderr: no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("lifeboat: ")
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    # Progress bars only on a terminal: a pipe gets no carriage returns or bars.
    assert "\r" not in result.stderr and "[#" not in result.stderr and "[." not in result.stderr
    return result


def backup_id(lifeboat, profile: str) -> str:
    result = ok(lifeboat("backup", profile))
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f"stdout holds more than the id: {result.stdout!r}"
    return lines[-1]
