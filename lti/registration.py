"""LTI Dynamic Registration 1.0: a Moodle administrator pastes one URL and the platform and the
tool register each other. The URL is made here by someone allowed to register platforms, signed
and valid for an hour, and used once: the platform opens it (often in an iframe, where no
session of ours would come along), the tool reads the platform's OpenID configuration, checks
that its issuer is the host it came from, registers itself at the platform's registration
endpoint with the token the platform gave, and records the platform and its deployment."""

import uuid
from urllib.parse import urlsplit

import requests
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from lti_tool.models import LtiDeployment, LtiRegistration

from lti.grades import TIMEOUT
from lti.models import UsedNonce

SALT = "lti.dynamic-registration"
VALID_FOR = 3600  # seconds
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]


class RegistrationError(Exception):
    """Why the platform could not be registered; shown to its administrator."""


def new_link(request):
    """A registration URL to paste into the LMS: signed, an hour long, good once."""
    token = signing.TimestampSigner(salt=SALT).sign(uuid.uuid4().hex)
    return request.build_absolute_uri(reverse("lti:register", args=[token]))


def register(request, token, openid_configuration, registration_token):
    """Register the platform that opened ``token``'s link; returns the LtiRegistration."""
    try:
        key = signing.TimestampSigner(salt=SALT).unsign(token, max_age=VALID_FOR)
    except signing.SignatureExpired:
        raise RegistrationError(
            _("등록 링크의 유효 시간(1시간)이 지났습니다. 새 링크를 만들어 붙여 넣으세요.")
        ) from None
    except signing.BadSignature:
        raise RegistrationError(
            _("올바른 등록 링크가 아닙니다. 받은 주소를 빠짐없이 붙여 넣었는지 확인하세요.")
        ) from None
    config = _configuration(openid_configuration)
    answer = _register_at(request, config, registration_token)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(issuer="dynamic-registration", nonce=key, expires_at=timezone.now())
            registration = LtiRegistration.objects.create(
                name=config.get("https://purl.imsglobal.org/spec/lti-platform-configuration", {}).get(
                    "product_family_code", urlsplit(config["issuer"]).netloc
                )[:255],
                issuer=config["issuer"],
                client_id=answer["client_id"],
                auth_url=config["authorization_endpoint"],
                token_url=config["token_endpoint"],
                keyset_url=config["jwks_uri"],
            )
            deployment = answer.get(TOOL_CONFIGURATION, {}).get("deployment_id")
            if deployment:
                LtiDeployment.objects.create(registration=registration, deployment_id=deployment, is_active=True)
    except IntegrityError:
        raise RegistrationError(_("이 등록 링크는 이미 쓰였습니다. 새 링크를 만들어 붙여 넣으세요.")) from None
    return registration


def _configuration(url):
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationError(_("LMS의 설정을 읽지 못했습니다: %(error)s") % {"error": error}) from None
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
    if missing := [name for name in needed if not config.get(name)]:
        raise RegistrationError(_("LMS의 설정에 빠진 값이 있습니다: %(names)s") % {"names": ", ".join(missing)})
    if urlsplit(config["issuer"]).netloc != urlsplit(url).netloc:  # the spec's rule: no one speaks for another host
        raise RegistrationError(
            _("LMS의 issuer(%(issuer)s)가 설정을 준 주소와 다릅니다.") % {"issuer": config["issuer"]}
        )
    return config


def _register_at(request, config, registration_token):
    site = request.build_absolute_uri("/").rstrip("/")
    payload = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": site + reverse("lti:login"),
        "redirect_uris": [site + reverse("lti:launch")],
        "client_name": _("강의실"),
        "jwks_uri": site + reverse("lti:jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(site).netloc,
            "target_link_uri": site + "/",
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": site + reverse("lti:launch")}],
        },
    }
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token else {}
    try:
        response = requests.post(config["registration_endpoint"], json=payload, headers=headers, timeout=TIMEOUT)
        response.raise_for_status()
        answer = response.json()
        answer["client_id"]
    except (requests.RequestException, ValueError, KeyError) as error:
        raise RegistrationError(_("LMS가 등록을 받지 않았습니다: %(error)s") % {"error": error}) from None
    return answer
