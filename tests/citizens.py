"""Many distinct citizens for load and crash tests, signed with the development issuer's own key.

The issuer has six personas; intake tests need thousands of respondents, each answering once.
"""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization

from local_host.dev_identity.issuer import KEY_FILE_NAME, DevIssuer


def citizen_tokens(data_dir: Path, count: int, issuer: str = "http://localhost:7071/api/dev") -> list[str]:
    dev = DevIssuer(data_dir / KEY_FILE_NAME, issuer=issuer, audience="api://hearing-portal")
    key = serialization.load_pem_private_key((data_dir / KEY_FILE_NAME).read_bytes(), password=None)
    now = int(time.time())
    return [
        jwt.encode(
            {
                "iss": issuer,
                "aud": "api://hearing-portal",
                "sub": f"load-citizen-{n}",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "name": f"Borger {n}",
                "idp": "mitid",
                "nemlogin.cpr": "0101901234",
            },
            key,  # type: ignore[arg-type]
            algorithm="RS256",
            headers={"kid": dev.kid},
        )
        for n in range(count)
    ]
