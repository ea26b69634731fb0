"""Sealing a lottery secret at rest (../shared/lottery.md step 1: "stores it encrypted").

Standard library only: HMAC-SHA256 as a pseudo-random function gives a one-block key
stream (the secret is exactly 32 bytes) under a fresh random nonce, and a second HMAC
authenticates nonce, context and ciphertext (encrypt-then-MAC). The context (the call
code) binds a sealed value to its call, so it cannot be copied to another one.

Format: ``v1$<nonce hex>$<ciphertext hex>$<tag hex>``.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

VERSION = "v1"


class SealError(ValueError):
    """A sealed value that is malformed, altered, or sealed with another key."""


def _subkey(master: bytes, purpose: str) -> bytes:
    return hmac.new(master, f"kse-lottery-secret|{purpose}".encode(), hashlib.sha256).digest()


def seal(secret: bytes, master_key: bytes, context: str) -> str:
    if len(secret) != 32:
        raise SealError("the secret must be 32 bytes")
    nonce = secrets.token_bytes(16)
    stream = hmac.new(_subkey(master_key, "enc"), nonce + context.encode(), hashlib.sha256).digest()
    cipher = bytes(a ^ b for a, b in zip(secret, stream, strict=True))
    tag = _tag(master_key, context, nonce, cipher)
    return "$".join((VERSION, nonce.hex(), cipher.hex(), tag.hex()))


def unseal(sealed: str, master_key: bytes, context: str) -> bytes:
    try:
        version, nonce_hex, cipher_hex, tag_hex = sealed.split("$")
        nonce, cipher, tag = bytes.fromhex(nonce_hex), bytes.fromhex(cipher_hex), bytes.fromhex(tag_hex)
    except (ValueError, AttributeError) as exc:
        raise SealError("malformed sealed secret") from exc
    if version != VERSION or len(cipher) != 32:
        raise SealError("unknown sealed secret format")
    if not hmac.compare_digest(tag, _tag(master_key, context, nonce, cipher)):
        raise SealError("the sealed secret does not match this key and call (was the key changed?)")
    stream = hmac.new(_subkey(master_key, "enc"), nonce + context.encode(), hashlib.sha256).digest()
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True))


def _tag(master_key: bytes, context: str, nonce: bytes, cipher: bytes) -> bytes:
    message = b"|".join((VERSION.encode(), context.encode(), nonce, cipher))
    return hmac.new(_subkey(master_key, "mac"), message, hashlib.sha256).digest()
