"""Sending a webhook in production settings: the address checked is the address used."""

from __future__ import annotations

from django.test import override_settings

from compliance.models import AlertDelivery, AlertEvent, Subscription


class _Answer:
    status = 204
    length_remaining = 0

    def read(self, amount: int) -> bytes:
        return b""

    def release_conn(self) -> None:
        pass

    def close(self) -> None:
        pass


class _Pools:
    """urllib3's pool manager as the sender uses it, recording where it was asked to go."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def connection_from_host(self, host, port=None, scheme="http", pool_kwargs=None):
        self.calls.append(("connect", host, port, scheme, pool_kwargs))
        return self

    def urlopen(self, method, path, **kwargs):
        self.calls.append(("urlopen", method, path, kwargs["headers"]["Host"]))
        return _Answer()

    def request(self, *args, **kwargs):
        raise AssertionError("production sends must connect to the checked address")


def _unsaved_delivery(url: str) -> AlertDelivery:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    sub = Subscription(user=get_user_model()(username="x"), kind="ranking", level="high",
                       webhook_url=url)  # fmt: skip
    event = AlertEvent(subscription=sub, kind="test", payload={}, created_at=timezone.now())
    return AlertDelivery(event=event, subscription=sub, channel="webhook")


def test_in_production_a_webhook_connects_to_the_address_it_checked(monkeypatch) -> None:
    """The name is resolved once: the connection goes to that address (TLS still checks the
    name), so a second, different answer (DNS rebinding) is never used."""
    import socket

    from compliance.services import delivery

    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))],
                    [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]])  # fmt: skip
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: next(answers))
    pools = _Pools()
    monkeypatch.setattr(delivery, "_http", lambda: pools)
    with override_settings(ALERTS_WEBHOOK_ALLOW_PRIVATE=False):
        first = delivery.webhook_send(_unsaved_delivery("https://hooks.example.org/in?x=1"))
        second = delivery.webhook_send(_unsaved_delivery("https://hooks.example.org/in?x=1"))
    assert first.ok
    assert pools.calls == [
        ("connect", "93.184.215.14", 443, "https",
         {"server_hostname": "hooks.example.org", "assert_hostname": "hooks.example.org"}),
        ("urlopen", "POST", "/in?x=1", "hooks.example.org"),
    ]  # fmt: skip
    assert not second.ok  # the name now points at loopback: refused, nothing sent
    assert "public addresses" in second.error
    assert len(pools.calls) == 2
