"""Start pymap with SASL XOAUTH2 added: `python pymap_oauth.py INTROSPECT_URL PYMAP-ARGS...`.

pymap offers the mechanisms of the pysasl `SASLAuth` its config returns (PLAIN and LOGIN) and
has no option to add one. pysasl ships an XOAUTH2 server mechanism that yields
`ExternalCredentials` (the user and the bearer token, for the application to verify); this
launcher adds it and verifies the token with the test authorization server's RFC 7662
introspection endpoint, then starts pymap's own command line unchanged.
"""

from __future__ import annotations

import asyncio
import json
import sys
import urllib.parse
import urllib.request
from typing import Any

import pymap.config
from pymap.backend.dict import Identity, Login
from pymap.exceptions import InvalidAuth
from pymap.main import main
from pysasl import SASLAuth
from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired
from pysasl.mechanism.login import LoginMechanism
from pysasl.mechanism.oauth import OAuth2Mechanism
from pysasl.mechanism.plain import PlainMechanism

INTROSPECT = sys.argv.pop(1)


def _mechanisms(self: Any) -> SASLAuth:
    return SASLAuth([PlainMechanism(), LoginMechanism(), OAuth2Mechanism()])


def _introspect(token: str) -> dict[str, Any]:
    data = urllib.parse.urlencode({"token": token}).encode()
    with urllib.request.urlopen(INTROSPECT, data=data, timeout=5) as resp:
        return dict(json.loads(resp.read()))


_password_login = Login.authenticate


async def _authenticate(self: Login, credentials: Any) -> Identity:
    if not isinstance(credentials, ExternalCredentials):
        return await _password_login(self, credentials)
    try:
        credentials.verify(None)
    except ExternalVerificationRequired as needed:
        token = needed.token or ""
    answer = await asyncio.to_thread(_introspect, token)
    if not answer.get("active") or answer.get("username") != credentials.authzid:
        raise InvalidAuth()
    return Identity(credentials.authzid, self, None, frozenset())


pymap.config.IMAPConfig.tls_auth = property(_mechanisms)  # type: ignore[assignment,method-assign]
Login.authenticate = _authenticate  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.argv[0] = "pymap"
    main()
