#!/usr/bin/python3
"""Verifies Hotline Relay provenance (signed form v2, docs/provenance.md).

A reference for receivers not written in TypeScript. Needs only Debian's
python3 and python3-nacl (apt-get install -y python3-nacl):

    /usr/bin/python3 docs/provenance_verify.py docs/provenance-vectors.json

prints one JSON object: each vector's name and what this verifier decided
("accept" or the refusal code). Exit status 0 when every decision is the
vector's "expect", 1 otherwise.
"""
import base64
import calendar
import hashlib
import json
import re
import sys
import time

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

# The headers the v2 signed form covers, in this order.
SIGNED_HEADERS = ["Nats-Msg-Id", "Relay-Origin", "Relay-Signed-At", "Relay-Signer", "Relay-Type"]
SIGNED_AT = re.compile(r"^(0|[1-9][0-9]{0,15})$")
USER_PREFIX = 20 << 3  # nkey prefix byte of a user public key ("U")


class Refused(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def crc16_xmodem(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def public_key_bytes(nkey):
    """The 32 raw ed25519 bytes of a public user nkey (U...), checked (prefix, CRC-16)."""
    if not re.fullmatch(r"U[A-Z2-7]{55}", nkey):
        raise ValueError("not a public user nkey")
    raw = base64.b32decode(nkey + "=" * (-len(nkey) % 8))
    body, crc = raw[:-2], int.from_bytes(raw[-2:], "little")
    if body[0] != USER_PREFIX or crc16_xmodem(body) != crc or len(body) != 33:
        raise ValueError("bad nkey prefix or checksum")
    return body[1:]


def signed_form(subject, headers, payload):
    """The exact bytes a v2 signature covers."""
    lines = ["relay-sig-v2\n", "subject:%s\n" % subject]
    for name in SIGNED_HEADERS:
        lines.append("%s:%s\n" % (name.lower(), headers.get(name, "")))
    lines.append("payload-sha256:%s\n" % hashlib.sha256(payload).hexdigest())
    text = "".join(lines)
    if "\r" in subject or "\n" in subject or any("\r" in headers.get(h, "") or "\n" in headers.get(h, "") for h in SIGNED_HEADERS):
        raise Refused("signature-invalid")
    return text.encode("utf-8")


def instant_ms(text):
    """RFC 3339 instant (as the signer list writes it) to Unix ms."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})", text)
    if not m:
        raise ValueError("not an RFC 3339 instant: %s" % text)
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    ms = int(round(float(m.group(7) or 0) * 1000))
    offset = 0
    if m.group(8) != "Z":
        sign = 1 if m.group(8)[0] == "+" else -1
        offset = sign * (int(m.group(8)[1:3]) * 60 + int(m.group(8)[4:6])) * 60
    return (calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) - offset) * 1000 + ms


def verify(subject, headers, payload, expected_orgs, signer_list, now_ms):
    """Raises Refused(code) unless the message was signed by one of expected_orgs with a key valid at its signing time."""
    signer = headers.get("Relay-Signer")
    signature = headers.get("Relay-Signature")
    signed_at = headers.get("Relay-Signed-At")
    if signer is None or signature is None:
        raise Refused("unsigned")
    if signed_at is None:
        raise Refused("signature-v1-refused")
    if not SIGNED_AT.match(signed_at):
        raise Refused("signed-at-invalid")
    try:
        key = VerifyKey(public_key_bytes(signer))
        sig = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        if len(sig) != 64:
            raise Refused("signature-invalid")
        key.verify(signed_form(subject, headers, payload), sig)
    except (BadSignatureError, ValueError):
        raise Refused("signature-invalid")
    at = int(signed_at)
    if at > now_ms + signer_list["maxClockSkewMs"]:
        raise Refused("signed-in-future")
    keys = [k for org in expected_orgs for k in signer_list["signers"].get(org, []) if k["key"] == signer]
    if not keys:
        raise Refused("signer-not-of-org")
    for k in keys:
        after_start = "notBefore" not in k or at >= instant_ms(k["notBefore"])
        before_end = "notAfter" not in k or at < instant_ms(k["notAfter"])
        if after_start and before_end:
            return
    raise Refused("signer-key-not-valid")


def main(path):
    with open(path, encoding="utf-8") as f:
        vectors = json.load(f)
    now_ms = vectors.get("nowMs", int(time.time() * 1000))
    decided = {}
    ok = True
    for v in vectors["vectors"]:
        payload = base64.b64decode(v["payloadBase64"])
        if signed_form(v["subject"], v["headers"], payload).decode("utf-8") != v["signedForm"]:
            decided[v["name"]] = "signed-form-differs"
            ok = False
            continue
        try:
            verify(v["subject"], v["headers"], payload, [v["expectedSigner"]], vectors["signerList"], now_ms)
            decided[v["name"]] = "accept"
        except Refused as r:
            decided[v["name"]] = r.code
        ok = ok and decided[v["name"]] == v["expect"]
    print(json.dumps(decided, indent=2, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/provenance-vectors.json"))
