"""A test platform on the wire, following the 1EdTech LTI 1.3 core specification: its own RSA
key, its JWKS served by a real local HTTP server, id_tokens it signs; registered in the tool as
an administrator would register Moodle or Canvas."""

import html
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ROLES = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
STORAGE_FRAME = "post_message_forwarding"  # Canvas's name for its storage frame
# The platform's side of LTI postMessage storage: values kept per tool origin, answered to it alone.
STORAGE_PAGE = """<!doctype html><html lang="en"><title>storage</title><script>
const kept = new Map();
window.addEventListener("message", function (event) {
  const m = event.data || {};
  if (m.subject !== "lti.put_data" && m.subject !== "lti.get_data") return;
  const key = event.origin + " " + m.key;
  if (m.subject === "lti.put_data") kept.set(key, m.value);
  const answer = {subject: m.subject + ".response", message_id: m.message_id, key: m.key, value: kept.get(key)};
  event.source.postMessage(answer, event.origin);
});
</script></html>"""


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key, kid):
    public = jwk.JWK.from_pyca(key.public_key())
    return {**json.loads(public.export_public()), "kid": kid, "alg": "RS256", "use": "sig"}


class Platform:
    """One LMS: issuer, client id, deployment, and a key the JWKS server publishes."""

    def __init__(self, issuer="https://lms.example.ac.kr", client_id="course-tool", deployment_id="dep-1"):
        self.issuer, self.client_id, self.deployment_id = issuer, client_id, deployment_id
        self.key, self.kid = rsa_key(), "platform-key-1"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.issuer = self.issuer or self.url  # None: the platform's own address (Dynamic Registration)
        self.registrations = []  # what tools sent to the registration endpoint
        self.jwks_requests = self.token_requests = 0
        self.launching = {"target": ""}  # what the auth endpoint signs: the target and claims to change
        self.tool_keys = []  # the tool's public keys (PEM), as its JWKS publishes them
        self.tokens, self.lineitems, self.scores, self.deep_links = {}, [], [], []
        self.down = 0  # how many service requests to answer 503 before working again
        self.roster = []  # the context's members, as NRPS lists them
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/jwks.json":
                    platform.jwks_requests += 1
                    self.reply("application/json", json.dumps({"keys": [public_jwk(platform.key, platform.kid)]}))
                elif url.path == "/course":  # the LMS's course page, the tool in its iframe
                    frame = html.escape(platform.launching["login_url"])
                    storage = f'<iframe name="{STORAGE_FRAME}" src="/storage" title="저장소" hidden></iframe>'
                    self.reply(
                        "text/html; charset=utf-8",
                        f'<!doctype html><html lang="ko"><title>LMS 강좌</title><h1>LMS 강좌</h1>'
                        f'<iframe src="{frame}" title="강의실" width="1100" height="800"></iframe>'
                        f"{storage if platform.launching.get('storage', True) else ''}</html>",
                    )
                elif url.path == "/storage":
                    self.reply("text/html; charset=utf-8", STORAGE_PAGE)
                elif url.path == "/.well-known/openid-configuration":
                    self.reply("application/json", json.dumps(platform.openid_configuration()))
                elif url.path == "/memberships":
                    status, body, link = platform.memberships(self.headers, parse_qs(url.query))
                    data = json.dumps(body).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
                    if link:
                        self.send_header("Link", f'<{link}>; rel="next"')
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif url.path == "/auth":
                    self.reply("text/html; charset=utf-8", platform.authentication_response(parse_qs(url.query)))
                else:
                    self.send_error(404)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                status, reply = platform.service(self.path, self.headers, body)
                self.send_response(status)
                data = json.dumps(reply).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def reply(self, content_type, text):
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def authentication_response(self, query):
        """The OIDC authentication response a browser gets from the platform's auth endpoint: a
        form that posts the signed id_token and the state back to the tool's redirect_uri."""
        params = {name: values[0] for name, values in query.items()}
        assert params["client_id"] == self.client_id and params["response_mode"] == "form_post"
        claims = self.claims(params["nonce"], self.launching["target"], **self.launching.get("claims", {}))
        token = self.id_token(claims)
        return (
            f'<!doctype html><html lang="en"><title>LMS</title><form method="post" action="{html.escape(params["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(params["state"])}">'
            f'<input type="hidden" name="lti_storage_target" value="{STORAGE_FRAME}"></form>'
            "<script>document.forms[0].submit()</script></html>"
        )

    def service(self, path, headers, body):
        """The platform's token endpoint and its Assignment and Grade Services: (status, JSON)."""
        if self.down:
            self.down -= 1
            return 503, {"error": "temporarily unavailable"}
        if path == "/register":  # Dynamic Registration: the tool registers itself
            if headers.get("Authorization") != "Bearer reg-token-1":
                return 401, {"error": "invalid registration token"}
            self.registrations.append(json.loads(body))
            tool = "https://purl.imsglobal.org/spec/lti-tool-configuration"
            return 200, {**json.loads(body), "client_id": self.client_id, tool: {"deployment_id": self.deployment_id}}
        if path == "/deep-link-return":  # the content picker's answer, posted by the browser
            self.deep_links.append(parse_qs(body)["JWT"][0])
            return 200, {"received": len(self.deep_links)}
        if path == "/token":
            self.token_requests += 1
            form = {name: values[0] for name, values in parse_qs(body).items()}
            claims = self.verified_assertion(form["client_assertion"])
            assert form["grant_type"] == "client_credentials" and claims["iss"] == self.client_id
            token = uuid.uuid4().hex
            self.tokens[token] = form["scope"].split()
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form["scope"]}
        scopes = self.tokens.get(headers.get("Authorization", "").removeprefix("Bearer "))
        if scopes is None:
            return 401, {"error": "invalid token"}
        if path == "/lineitems" and LINEITEM_SCOPE in scopes:
            item = json.loads(body)
            item["id"] = f"{self.url}/lineitems/{len(self.lineitems) + 1}"
            self.lineitems.append(item)
            return 201, item
        if path.endswith("/scores") and SCORE_SCOPE in scopes and headers["Content-Type"] == SCORE_TYPE:
            self.scores.append({"lineitem": path.removesuffix("/scores"), **json.loads(body)})
            return 200, {}
        return 403, {"error": "not allowed"}

    def openid_configuration(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/auth",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks.json",
            "registration_endpoint": f"{self.url}/register",
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "test-lms"},
        }

    def nrps(self):
        """The NRPS claim: where the context's roster is."""
        return {
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/memberships",
                "service_versions": ["2.0"],
            }
        }

    def memberships(self, headers, query, page_size=2):
        """One page of the roster (``self.roster``: members as NRPS gives them), and the next page's URL."""
        if self.down:
            self.down -= 1
            return 503, {"error": "temporarily unavailable"}, None
        scopes = self.tokens.get(headers.get("Authorization", "").removeprefix("Bearer "), [])
        if NRPS_SCOPE not in scopes:
            return 401, {"error": "invalid token"}, None
        if "page" in query:  # our next-page URLs say "Page": someone lower-cased one
            return 400, {"error": "unknown parameter"}, None
        page = int(query.get("Page", ["1"])[0])
        members = self.roster[(page - 1) * page_size : page * page_size]
        more = page * page_size < len(self.roster)
        body = {"id": f"{self.url}/memberships", "context": {"id": "course-101"}, "members": members}
        return 200, body, f"{self.url}/memberships?Page={page + 1}" if more else None

    def deep_linking(self, multiple=True):
        """The claims of a deep-linking request from the platform's content picker."""
        return {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": multiple,
                "data": "opaque-platform-data",
            },
        }

    def verified_deep_link(self, token):
        """The deep-linking response the tool posted back, its signature checked (as Moodle does)."""
        return self.verified_by_tool(token, audience=self.issuer)

    def verified_assertion(self, assertion):
        """The tool's client assertion at the token endpoint."""
        return self.verified_by_tool(assertion, audience=f"{self.url}/token")

    def verified_by_tool(self, token, audience):
        """``token``'s claims, its signature checked against the tool's public keys."""
        for pem in self.tool_keys:
            try:
                return jwt.decode(token, pem, algorithms=["RS256"], audience=audience)
            except jwt.InvalidSignatureError:
                continue
        raise AssertionError("not signed by a key of the tool")

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def register(self, active_deployment=True):
        """The tool's admin registers this platform and its deployment (lti_tool's models)."""
        from lti_tool.models import LtiDeployment, LtiRegistration

        registration = LtiRegistration.objects.create(
            name="Test LMS",
            issuer=self.issuer,
            client_id=self.client_id,
            auth_url=f"{self.url}/auth",
            token_url=f"{self.url}/token",
            keyset_url=f"{self.url}/jwks.json",
        )
        LtiDeployment.objects.create(
            registration=registration, deployment_id=self.deployment_id, is_active=active_deployment
        )
        return registration

    def login_params(self, target, login_hint="student-1", storage=False):
        params = {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": target,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
            "lti_message_hint": "hint",
        }
        if storage:  # the platform offers its postMessage storage
            params["lti_storage_target"] = STORAGE_FRAME
        return params

    def ags(self, lineitem=True, may_create=False):
        """The AGS claim: the link's own line item, or (``may_create``) only where to make one."""
        scopes = [SCORE_SCOPE, "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"]
        claim = {"scope": scopes + ([LINEITEM_SCOPE] if may_create else []), "lineitems": f"{self.url}/lineitems"}
        if lineitem:
            claim["lineitem"] = f"{self.url}/lineitems/link-1"
        return {AGS: claim}

    def claims(self, nonce, target, sub="student-1", roles=("Learner",), **changes):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "given_name": "민지",
            "family_name": "김",
            "name": "김민지",
            "email": f"{sub}@univ.example.ac.kr",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": target,
            LTI + "resource_link": {"id": "link-1", "title": "1강"},
            LTI + "roles": [ROLES + role for role in roles],
            LTI + "context": {"id": "course-101", "label": "CN101", "title": "클라우드 네이티브 2026 봄"},
        }
        claims.update(changes)
        return {name: value for name, value in claims.items() if value is not None}

    def id_token(self, claims, key=None, kid=None):
        pem = (key or self.key).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid or self.kid})


def authorisation_request(response):
    """The state and nonce the tool sent the browser to the platform's auth endpoint with."""
    assert response.status_code == 302, response.status_code
    query = parse_qs(urlsplit(response["Location"]).query)
    return {name: values[0] for name, values in query.items()}


def new_nonce():
    return uuid.uuid4().hex
