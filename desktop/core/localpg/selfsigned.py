"""A self-signed certificate for a local PostgreSQL server's `ssl = on`.

Made with the `cryptography` package rather than `openssl req`, so no openssl
program is needed on the machine (Windows, macOS, a bare container).
"""
import datetime
import ipaddress


def self_signed_certificate(ip: str, days: int = 365) -> tuple[bytes, bytes]:
    """(certificate, private key) as PEM, for the IP address `ip` in both the
    CN and the subjectAltName.

    Clients with sslmode=require accept it as is; verify-full accepts it
    when the certificate itself is the sslrootcert (hence CA:TRUE)."""
    # Imported here: x509 takes 30 ms to load, and every `lifeboat` command
    # imports this module (through the private server), few of them use it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
