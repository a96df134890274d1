"""How fast the encrypted container is, next to a plain SHA-256 pass over the same bytes.

    .venv/bin/python benchmarks/crypto_throughput.py [--mib 256] [--chunk-mib 1]

Encrypts MiB of random data into a temporary file, decrypts it back, and
prints MB/s for each and the ratio to hashlib.sha256 (a floor: every byte is
hashed once either way, and Fernet also runs AES and an HMAC).
"""
import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.core.format.container import (
    EncryptedWriter,
    Keys,
    PlaintextReader,
    new_installation_key,
    read_header,
    unlock,
)

BLOCK = 4 << 20


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="data size in MiB (default 256)")
    parser.add_argument("--chunk-mib", type=int, default=1, help="container chunk size in MiB")
    args = parser.parse_args()
    key = new_installation_key()
    # A few random blocks reused: the cipher's speed does not depend on content,
    # and generating 256 MiB of randomness would dominate the timing.
    blocks = [os.urandom(BLOCK) for _ in range(4)]
    count = args.mib * (1 << 20) // BLOCK
    size = count * BLOCK

    def sha256_pass() -> None:
        digest = hashlib.sha256()
        for i in range(count):
            digest.update(blocks[i % 4])

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.lifeboat"

        def encrypt() -> None:
            with open(path, "wb") as out:
                writer = EncryptedWriter(out, installation_key=key, chunk_size=args.chunk_mib << 20)
                for i in range(count):
                    writer.write(blocks[i % 4])
                writer.close({})

        def decrypt() -> None:
            with open(path, "rb") as f:
                header = read_header(f)
                for _ in PlaintextReader(f, header, unlock(header, Keys([key]))):
                    pass

        results = {"sha256": timed(sha256_pass), "encrypt": timed(encrypt), "decrypt": timed(decrypt)}
        overhead = path.stat().st_size / size - 1

    floor = results["sha256"]
    print(f"{args.mib} MiB, chunks of {args.chunk_mib} MiB, file {overhead:+.3%} larger than the data")
    for name, seconds in results.items():
        print(f"{name:8} {size / seconds / 1e6:8.0f} MB/s  {seconds:6.2f} s  x{seconds / floor:.2f} sha256")


if __name__ == "__main__":
    main()
