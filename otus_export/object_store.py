"""The Otus side over a transport that verifies the server: the CSV export in an S3-compatible
object store over TLS, read by Airbyte's S3 source.

The source (`airbyte-source-s3`, the CDK's file-based framework like the SFTP Bulk source) reads
the same files with the same per-stream config (`file_source.stream_configs`); what differs is
whom it trusts. It talks HTTPS through botocore, which checks the server's certificate chain and
name on every connection. Where it looks for the CA depends on one thing (source_s3/v4/
stream_reader.py in 4.14.2, `s3_client` lines 71-85 and `_get_s3_compatible_client_args` lines
373-382): with `endpoint` set in the config it passes `verify=True`, so only certifi's public CA
bundle in the source's own environment counts; with `endpoint` empty it lets botocore resolve both
from the environment, `AWS_ENDPOINT_URL_S3` for the store's address and `AWS_CA_BUNDLE` for a
private CA. A store whose certificate a public CA issued (AWS itself, or MinIO/Ceph behind a
public certificate) takes `endpoint` in the config; one behind the district's own CA takes the two
variables.

`s3_server(directory, authority)` serves a directory as a bucket on 127.0.0.1 (a free port) with
moto's S3 server over TLS, with a certificate for 127.0.0.1 issued by `authority`: a one-off
certificate authority made here (`CertificateAuthority`), whose PEM file is the bundle the
operator hands the source. A second authority makes an impostor: a server the source must refuse.
"""

from __future__ import annotations

import datetime
import ipaddress
import secrets
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import boto3
from botocore.config import Config as BotoConfig
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from otus_export.file_source import stream_configs
from otus_export.loopback import LOOPBACK, ServerUnavailable, free_port, server_process

S3_PACKAGE = "airbyte-source-s3==4.14.2"  # 4.14.3 to 4.16.1 pin smart-open[s3] to their own version, which does not exist
S3_NAME = "source-s3"
REGION = "us-east-1"


class S3ServerUnavailable(ServerUnavailable):
    """moto's S3 server did not start; the message says why."""


class CertificateAuthority:
    """A one-off CA that issues a server certificate for 127.0.0.1, as a district's own CA would
    for its object store. `bundle` is the PEM file of its certificate: what the source trusts."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self._certificate = (
            _certificate_builder(subject, subject, self._key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.bundle = directory / f"{name}-ca.pem"
        self.bundle.write_bytes(self._certificate.public_bytes(serialization.Encoding.PEM))

    def issue_server_certificate(self, host: str = LOOPBACK) -> tuple[Path, Path]:
        """A certificate and key for `host` (an IP address SAN), signed by this CA: (cert, key) paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
        certificate = (
            _certificate_builder(subject, self._certificate.subject, key.public_key())
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        cert_path, key_path = self.directory / f"{self.name}-server.pem", self.directory / f"{self.name}-server.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_path.chmod(0o600)
        return cert_path, key_path


def _certificate_builder(subject: x509.Name, issuer: x509.Name, public_key: Any) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
    )


@dataclass(frozen=True)
class S3Export:
    """Where the export is stored, the store's own credentials, and the CA that vouches for it:
    what source-s3 needs, split into its config and its environment."""

    endpoint: str  # https://127.0.0.1:<port>
    bucket: str
    access_key_id: str
    secret_access_key: str
    ca_bundle: str  # the PEM file of the CA the store's certificate chains to

    def source_config(self, streams: Mapping[str, str]) -> dict[str, Any]:
        """source-s3's config reading `<file stem>.csv` as each stream ({stream: role}). `endpoint`
        stays empty, so the source takes the store's address and CA from `source_environment`."""
        return {
            "bucket": self.bucket,
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
            "region_name": REGION,
            "delivery_method": {"delivery_type": "use_records_transfer"},
            "streams": stream_configs(streams),
        }

    def source_environment(self) -> dict[str, str]:
        """The variables the source's process needs: botocore's own names for the endpoint and the CA bundle."""
        return {"AWS_ENDPOINT_URL_S3": self.endpoint, "AWS_CA_BUNDLE": self.ca_bundle}


@contextmanager
def s3_server(directory: Path, authority: CertificateAuthority, ca_bundle: Path | None = None,
              certified_host: str = LOOPBACK) -> Iterator[S3Export]:
    """Serve the files of `directory` as a bucket over HTTPS on 127.0.0.1 until the block ends,
    with a certificate `authority` issued for `certified_host`. The export names `ca_bundle`
    (default: the authority's) as the CA to trust: another CA's bundle, or a certificate for
    another host, makes an impostor the source must refuse."""
    cert, key = authority.issue_server_certificate(certified_host)
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port), "-c", str(cert), "-k", str(key)]
    with tempfile.TemporaryDirectory(prefix="otus-s3-") as work, \
            server_process(command, port, Path(work) / "moto.log", "moto's S3 server", S3ServerUnavailable):
        export = S3Export(f"https://{LOOPBACK}:{port}", "otus-export", "otus-reader", secrets.token_urlsafe(24),
                          str(ca_bundle or authority.bundle))
        # Filled over TLS verified like the source does, except when the certificate names another
        # host on purpose: then nothing could verify it, and this upload is the test's own set-up.
        _upload(directory, export, str(authority.bundle) if certified_host == LOOPBACK else False)
        yield export


def _upload(directory: Path, export: S3Export, verify: str | bool) -> None:
    """The bucket and every file of `directory` in it (`verify`: botocore's, a CA bundle or False)."""
    client = boto3.client(
        "s3", endpoint_url=export.endpoint, region_name=REGION, verify=verify,
        aws_access_key_id=export.access_key_id, aws_secret_access_key=export.secret_access_key,
        config=BotoConfig(s3={"addressing_style": "path"}),
    )
    client.create_bucket(Bucket=export.bucket)
    for path in sorted(directory.iterdir()):
        client.upload_file(str(path), export.bucket, path.name)
