"""Embedded malware scanner: recognises the EICAR anti-virus test file, and nothing else.

It stands in for a real scanner on a developer machine and in tests, so the quarantine path can be
exercised end to end without an anti-virus engine. It is no protection: deployments use Defender for
Storage or clamd.
"""

from __future__ import annotations

from shared.ports.malware import ScanVerdict

# The 68 standard bytes, assembled from parts so no anti-virus on a developer machine flags this file.
_EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-" + b"TEST-FILE!$H+H*"


class EicarScanner:
    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        # The test file may be followed by whitespace only (the EICAR definition allows up to 128 bytes).
        if data.startswith(_EICAR) and len(data) <= 128 and not data[len(_EICAR) :].strip():
            return ScanVerdict("Eicar-Signature")
        return ScanVerdict()
