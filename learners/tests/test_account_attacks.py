"""Attacks on accounts: password guessing, lockouts aimed at others, and probing for registered addresses.

Each test does what an attacker would and checks what the victim, or the attacker, then sees.
"""

import time
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from learners import accounts

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-1"
ATTACKER, VICTIM = "203.0.113.9", "198.51.100.7"
LOCKED = "로그인에 5번 실패해 15분 동안 잠겼습니다"


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def guess(client, username, times):
    return [log_in(client, username, "wrong-guess").status_code for _ in range(times)]


def link_in(message, marker):
    line = next(line for line in message.body.splitlines() if marker in line)
    return line.split("testserver", 1)[1]


def reset_password(client, address, new_password):
    mail.outbox.clear()
    client.post(reverse("password_reset"), {"email": address})
    response = client.get(link_in(mail.outbox[-1], "/accounts/password/reset/"), follow=True)
    form_url = response.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302


class TestLoginThrottling:
    def test_guessing_locks_the_account_only_for_the_guessing_address(self):
        User.objects.create_user("park", password=PASSWORD)
        User.objects.create_user("choi", password=PASSWORD)
        attacker = Client(REMOTE_ADDR=ATTACKER)
        assert guess(attacker, "park", 5) == [200] * 4 + [429]  # the fifth failure already says so

        locked = log_in(attacker, "park")  # even the right password is refused now
        assert locked.status_code == 429 and LOCKED in locked.content.decode()
        assert "_auth_user_id" not in attacker.session
        assert log_in(Client(REMOTE_ADDR=VICTIM), "park").status_code == 302  # the owner, elsewhere
        assert log_in(attacker, "choi").status_code == 302  # another account from that address

    def test_failures_on_many_names_from_one_address_lock_out_nobody(self):
        """Everyone behind one proxy shares an address; one person's typos must not shut them all out."""
        User.objects.create_user("jung", password=PASSWORD)
        shared = Client(REMOTE_ADDR=ATTACKER)
        for n in range(30):
            log_in(shared, f"guess{n}", "wrong-guess")
        assert log_in(shared, "jung").status_code == 302

    def test_a_forged_forwarded_for_neither_dodges_nor_aims_a_lock(self, settings):
        settings.TRUSTED_PROXIES = 1  # nginx appends the address it saw
        User.objects.create_user("kang", password=PASSWORD)
        proxy = "10.0.0.2"
        for n in range(5):  # a new forged address each time, the same real one appended by the proxy
            forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
            log_in(forged, "kang", "wrong-guess")
        via_proxy = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
        assert log_in(via_proxy, "kang").status_code == 429  # claiming to be the victim does not help
        owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=VICTIM)
        assert log_in(owner, "kang").status_code == 302

    def test_without_trusted_proxies_forwarded_for_is_ignored(self):
        User.objects.create_user("yoon", password=PASSWORD)
        for n in range(5):
            log_in(Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"), "yoon", "wrong-guess")
        assert log_in(Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM), "yoon").status_code == 429

    def test_a_successful_login_clears_earlier_failures(self):
        User.objects.create_user("han", password=PASSWORD)
        client = Client(REMOTE_ADDR=ATTACKER)
        guess(client, "han", 4)
        assert log_in(client, "han").status_code == 302
        client.post(reverse("logout"))
        guess(client, "han", 4)
        assert log_in(client, "han").status_code == 302

    def test_a_password_reset_lifts_the_lock(self):
        User.objects.create_user("seo", email="seo@example.org", password=PASSWORD)
        client = Client(REMOTE_ADDR=ATTACKER)
        guess(client, "seo", 5)
        assert log_in(client, "seo").status_code == 429
        reset_password(client, "seo@example.org", "brand-new-passphrase-2")
        assert log_in(client, "seo", "brand-new-passphrase-2").status_code == 302

    def test_the_admin_login_is_throttled_too(self):
        User.objects.create_superuser("root", password=PASSWORD)
        client = Client(REMOTE_ADDR=ATTACKER)
        for _ in range(5):
            client.post(reverse("admin:login"), {"username": "root", "password": "wrong-guess"})
        response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
        assert response.status_code == 429 and LOCKED in response.content.decode()


class TestAddressProbing:
    def sign_up(self, client, username, address):
        data = {"username": username, "email": address, "password1": PASSWORD, "password2": PASSWORD}
        response = client.post(reverse("signup"), data, follow=True)
        messages = [str(m) for m in response.context["messages"]]
        return response, [m.replace(address, "ADDRESS") for m in messages]

    def test_signing_up_with_a_registered_address_looks_the_same_and_mails_its_owner(self):
        User.objects.create_user("lee", email="lee@example.org", password=PASSWORD)
        fresh, fresh_messages = self.sign_up(Client(), "newcomer", "new@example.org")
        probe, probe_messages = self.sign_up(Client(), "prober", "LEE@example.org")

        assert probe.redirect_chain == fresh.redirect_chain and probe_messages == fresh_messages
        assert [m.to for m in mail.outbox] == [["new@example.org"], ["LEE@example.org"]]
        note = mail.outbox[1]
        assert "이미 계정이 있어" in note.body and "lee" in note.body and "/email/confirm/" not in note.body
        assert User.objects.get(username="prober").email == ""
        assert User.objects.filter(email__iexact="lee@example.org").count() == 1

    def test_an_address_is_attached_only_through_the_mailed_link(self):
        client = Client()
        self.sign_up(client, "oh", "oh@example.org")
        user = User.objects.get(username="oh")
        assert user.email == ""
        mail.outbox.clear()
        Client().post(reverse("password_reset"), {"email": "oh@example.org"})
        assert mail.outbox == []  # an unconfirmed address cannot receive a reset link

        self.sign_up(Client(), "squatter", "victim@example.org")
        link = link_in(mail.outbox[-1], "/accounts/email/confirm/")
        mail.outbox.clear()
        client.post(reverse("email_address"), {"email": "oh@example.org"})
        oh_link = link_in(mail.outbox[-1], "/accounts/email/confirm/")
        page = client.get(oh_link)
        assert page.status_code == 200 and "이 주소 등록하기" in page.content.decode()
        user.refresh_from_db()
        assert user.email == ""  # opening the link (a mail scanner does) changes nothing
        client.post(oh_link)
        user.refresh_from_db()
        assert user.email == "oh@example.org"
        assert User.objects.get(username="squatter").email == ""  # their link was never followed
        assert link != oh_link

    def test_a_tampered_or_stale_link_is_refused_clearly(self):
        self.sign_up(Client(), "ryu", "ryu@example.org")
        link = link_in(mail.outbox[-1], "/accounts/email/confirm/")
        tampered = link[:-2] + ("A" if link[-2] != "A" else "B") + "/"  # one character of the signature
        response = Client().post(tampered)
        assert response.status_code == 400 and "올바르지 않습니다" in response.content.decode()
        assert User.objects.get(username="ryu").email == ""

    def test_an_address_taken_meanwhile_is_not_attached_twice(self):
        self.sign_up(Client(), "first", "shared@example.org")
        link = link_in(mail.outbox[-1], "/accounts/email/confirm/")
        User.objects.create_user("second", email="shared@example.org", password=PASSWORD)
        Client().post(link)
        assert User.objects.get(username="first").email == ""


class TestConfirmationReplay:
    """Whoever reads an old confirmation mail must not put its address back on the account (and then reset
    the password through it): a link works once, and only while the account's address is as it was."""

    USED = "이 확인 링크는 이미 쓰였거나"

    def owner(self):
        client = Client()
        user = User.objects.create_user("baek", password=PASSWORD)
        client.force_login(user)
        return client, user

    def link_for(self, client, address):
        mail.outbox.clear()
        client.post(reverse("email_address"), {"email": address})
        return link_in(mail.outbox[-1], "/accounts/email/confirm/")

    def address(self, user):
        user.refresh_from_db()
        return user.email

    def test_a_used_link_replayed_after_the_address_is_cleared_is_refused(self):
        client, user = self.owner()
        link = self.link_for(client, "old@example.org")
        client.post(link)
        assert self.address(user) == "old@example.org"
        User.objects.filter(pk=user.pk).update(email="")  # no page clears it: staff would, in the admin
        replay = Client().post(link)
        assert replay.status_code == 400 and self.USED in replay.content.decode()
        assert self.address(user) == ""

    def test_a_replayed_link_does_not_bring_back_an_address_replaced_since(self):
        client, user = self.owner()
        first = self.link_for(client, "x@example.org")
        client.post(first)
        client.post(self.link_for(client, "y@example.org"))
        assert self.address(user) == "y@example.org"
        replay = Client().post(first)
        assert replay.status_code == 400 and self.USED in replay.content.decode()
        assert self.address(user) == "y@example.org"

    def test_a_link_works_once(self):
        client, user = self.owner()
        link = self.link_for(client, "once@example.org")
        assert client.post(link).status_code == 302
        again = client.post(link)
        assert again.status_code == 400 and self.USED in again.content.decode()
        page = client.get(link).content.decode()
        assert self.USED in page and "이 주소 등록하기" not in page

    def test_a_link_mailed_before_another_address_was_confirmed_no_longer_works(self):
        client, user = self.owner()
        earlier = self.link_for(client, "earlier@example.org")
        client.post(self.link_for(client, "later@example.org"))
        refused = Client().post(earlier)
        assert refused.status_code == 400 and self.address(user) == "later@example.org"

    def test_a_link_still_works_until_its_three_days_are_up(self, monkeypatch):
        client, user = self.owner()
        link = self.link_for(client, "late@example.org")

        def later(days):  # both clocks a link is checked against: its signature's and its token's
            now = time.time() + days * 24 * 3600
            monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: now))
            monkeypatch.setattr(accounts.AddressTokenGenerator, "_now", lambda self: datetime.fromtimestamp(now))

        later(3.1)
        expired = client.post(link)
        assert expired.status_code == 400 and "기한(3일)이 지났습니다" in expired.content.decode()
        later(2.9)
        assert client.post(link).status_code == 302 and self.address(user) == "late@example.org"


class TestResetMailLimits:
    def test_reset_mail_per_address_is_limited_from_any_client(self):
        User.objects.create_user("moon", email="moon@example.org", password=PASSWORD)
        statuses = [
            Client(REMOTE_ADDR=f"192.0.2.{n}").post(reverse("password_reset"), {"email": "Moon@example.org"})
            for n in range(10)
        ]
        assert len(mail.outbox) == 3
        assert [r.status_code for r in statuses] == [302] * 3 + [429] * 7
        assert "너무 자주 요청했습니다" in statuses[-1].content.decode()

    def test_reset_mail_per_client_is_limited_across_addresses(self):
        for n in range(12):
            User.objects.create_user(f"user{n}", email=f"user{n}@example.org", password=PASSWORD)
        client = Client(REMOTE_ADDR=ATTACKER)
        for n in range(12):
            client.post(reverse("password_reset"), {"email": f"user{n}@example.org"})
        assert len(mail.outbox) == 10
        other = Client(REMOTE_ADDR=VICTIM).post(reverse("password_reset"), {"email": "user11@example.org"})
        assert other.status_code == 302 and len(mail.outbox) == 11

    def test_the_limit_says_nothing_about_who_is_registered(self):
        User.objects.create_user("nam", email="nam@example.org", password=PASSWORD)
        for address in ("nam@example.org", "nobody@example.org"):
            answers = [
                Client(REMOTE_ADDR=f"192.0.2.{n}").post(reverse("password_reset"), {"email": address}).status_code
                for n in range(4)
            ]
            assert answers == [302, 302, 302, 429]

    def test_signup_confirmation_mail_cannot_be_used_to_flood_an_address(self):
        for n in range(5):
            data = {
                "username": f"flood{n}",
                "email": "target@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            }
            Client(REMOTE_ADDR=f"192.0.2.{n}").post(reverse("signup"), data)
        assert len(mail.outbox) == 3
