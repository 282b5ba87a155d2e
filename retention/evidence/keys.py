"""Ed25519 keys for ledger checkpoints: generate, load (PEM), fingerprint, sign, verify.

The public key travels as the base64 of its 32 raw bytes; its fingerprint is
``ed25519:<sha256 of those bytes, hex>``. Signatures are base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from retention.errors import InputError

PRIVATE_NAME = "private.pem"
PUBLIC_NAME = "public.pem"


def generate() -> tuple[bytes, bytes]:
    """A new key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return private, public_pem(key.public_key())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def raw(key: Ed25519PublicKey) -> str:
    """The public key as the base64 of its raw 32 bytes (how reports carry it)."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)).decode("ascii")


def from_raw(text: str, where: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, TypeError):
        raise InputError(f"{where}: not an Ed25519 public key (base64 of 32 bytes)") from None


def fingerprint(key: Ed25519PublicKey) -> str:
    data = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(data).hexdigest()


def load_private(path: Path) -> Ed25519PrivateKey:
    """The signing key (unencrypted PEM), or InputError saying what is wrong with the file."""
    where = f"--signing-key/REX_SIGNING_KEY {path}"
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; `rex evidence keygen --out DIR` makes a "
                         "key pair") from None
    except (ValueError, TypeError) as err:
        raise InputError(f"{where}: not an unencrypted PEM private key ({err})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{where}: a {type(key).__name__}, not an Ed25519 key; "
                         "`rex evidence keygen --out DIR` makes one")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    """A public key (PEM), or InputError. A private key file is refused: auditors hold the
    public half only."""
    where = f"--public-key {path}"
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except (ValueError, TypeError) as err:
        raise InputError(f"{where}: not a PEM public key ({err}); give the "
                         f"{PUBLIC_NAME} that `rex evidence keygen` wrote") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{where}: a {type(key).__name__}, not an Ed25519 public key")
    return key


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")


def verifies(key: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error, TypeError):
        return False
    return True


def write_pair(out: Path) -> tuple[Path, Path, str]:
    """Write a new pair into ``out`` (private 0600); refuses to overwrite either file."""
    private_path, public_path = out / PRIVATE_NAME, out / PUBLIC_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise InputError(f"{path}: exists already; rex never overwrites a key (a lost "
                             "private key cannot be recovered): choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    private, public = generate()
    with open(private_path, "xb", opener=_open_private) as handle:
        handle.write(private)
    public_path.write_bytes(public)
    return private_path, public_path, fingerprint(load_public(public_path))


def _open_private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
