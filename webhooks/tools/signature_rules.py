"""The gateway's Stripe-Signature rule, written out as a reference (README "Signature rules").

Used by make_vectors.py to label every vector and by check_fixtures.py to re-check them. It is
deliberately stricter than stripe-python in a few places (two-sided tolerance, strict element
syntax, several secrets, hex compared as bytes); signature-vectors.json records both answers.
Stdlib only.
"""

import hashlib
import hmac

INT64_MAX = 2**63 - 1
OWS = " \t"  # optional whitespace around a header field value (RFC 9110 §5.5); the only trimming


def digest(secret: str, timestamp: int, body: bytes) -> bytes:
    """HMAC-SHA256, key = the whole secret (with its whsec_ prefix) as UTF-8, message = "{t}." + body."""
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).digest()


def parse(header):
    """Returns (reason, timestamp, v1_values); reason is None when the header is well formed."""
    if header is None or header.strip(OWS) == "":
        return "missing_header", None, []
    timestamp, v1 = None, []
    for element in header.strip(OWS).split(","):
        key, sep, value = element.partition("=")
        if not sep or key == "":
            return "malformed_header", None, []
        if key == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()) or int(value) > INT64_MAX:
                return "malformed_header", None, []
            timestamp = int(value)
        elif key == "v1":
            v1.append(value)
        # any other scheme (v0 is Stripe's fake test scheme) is ignored, as the docs require
    if timestamp is None:
        return "malformed_header", None, []
    if not v1:
        return "no_v1", timestamp, []
    return None, timestamp, v1


def decode_v1(value):
    """32 bytes, or None when the value is not 64 hex digits (either case); such values never match."""
    if len(value) != 64 or not all(c in "0123456789abcdefABCDEF" for c in value):
        return None
    return bytes.fromhex(value)


def verify(header, body: bytes, secrets, now: int, tolerance: int):
    """(valid, reason). Order: header, v1 present, signature, then timestamp (|now - t| <= tolerance)."""
    reason, timestamp, v1 = parse(header)
    if reason:
        return False, reason
    candidates = [d for d in (decode_v1(v) for v in v1) if d is not None]
    expected = [digest(s, timestamp, body) for s in secrets]
    if not any(hmac.compare_digest(e, c) for e in expected for c in candidates):
        return False, "no_match"
    if abs(now - timestamp) > tolerance:
        return False, "timestamp_out_of_tolerance"
    return True, "ok"
