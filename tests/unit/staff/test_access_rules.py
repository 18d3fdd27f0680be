"""The pure parts of access control: the client address behind proxies, device cookies, web links,
the metrics token. No database, no Redis."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.conversations.rules import web_link
from observability.metrics import bearer_accepted
from web import trusted_devices
from web.client_address import InvalidTrustedProxy, TrustedProxies

INGRESS = TrustedProxies.parse(["10.0.0.0/8", "fd00::/8"])
# Anything a client may put in the header: addresses, names, junk, empty parts.
forged_hops = st.lists(
    st.one_of(st.ip_addresses().map(str), st.text(alphabet="abc.:/ 0123456789-_", max_size=20)),
    max_size=6,
)
public_ipv4 = st.ip_addresses(v=4).filter(lambda ip: ip.is_global)


@given(forged=forged_hops, client=public_ipv4)
def test_what_the_client_writes_itself_is_never_the_address(
    forged: list[str], client: ipaddress.IPv4Address
) -> None:
    # The ingress (10.1.2.3) appended the address it saw; everything left of it is the client's.
    header = ", ".join([*forged, str(client)])
    assert INGRESS.client("10.1.2.3", [header]) == str(client)


@given(client=public_ipv4, proxies=st.lists(st.ip_addresses(network="10.0.0.0/8").map(str), max_size=3))
def test_each_trusted_proxy_hop_is_skipped_from_the_right(
    client: ipaddress.IPv4Address, proxies: list[str]
) -> None:
    assert INGRESS.client("10.9.9.9", [", ".join(["198.51.100.1", str(client), *proxies])]) == str(client)


@given(forged=forged_hops)
def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_sends(forged: list[str]) -> None:
    assert INGRESS.client("203.0.113.7", [", ".join(forged)]) == "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert TrustedProxies.parse([]).client("10.1.2.3", ["198.51.100.1"]) == "10.1.2.3"


def test_several_header_lines_read_as_one_list() -> None:
    assert INGRESS.client("10.1.2.3", ["1.1.1.1, 2.2.2.2", "3.3.3.3, 10.4.4.4"]) == "3.3.3.3"


def test_a_request_from_inside_with_only_our_hops() -> None:
    assert INGRESS.client("10.1.2.3", ["10.7.7.7"]) == "10.7.7.7"
    assert INGRESS.client("10.1.2.3", []) == "10.1.2.3"


def test_ipv6_addresses_are_written_one_way() -> None:
    assert INGRESS.client("fd00::1", ["2001:DB8:0:0::1"]) == "2001:db8::1"


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "ingress", "10.0.0.256"])
def test_a_typo_in_trusted_proxies_is_refused(entry: str) -> None:
    with pytest.raises(InvalidTrustedProxy, match="TRUSTED_PROXIES"):
        TrustedProxies.parse(["10.0.0.0/8", entry])


# ---------------------------------------------------------------- device cookies


def test_a_device_cookie_is_recognised_for_its_own_account_only() -> None:
    token = trusted_devices.issue("anna@aurora.example", "key-1")
    assert trusted_devices.recognised(token, "Anna@Aurora.example ", ["key-1"])
    assert trusted_devices.recognised(token, "bob@aurora.example", ["key-1"]) is None


def test_a_device_cookie_survives_a_key_rotation_while_the_old_key_is_a_fallback() -> None:
    token = trusted_devices.issue("anna@aurora.example", "old-key")
    assert trusted_devices.recognised(token, "anna@aurora.example", ["new-key", "old-key"])
    assert trusted_devices.recognised(token, "anna@aurora.example", ["new-key"]) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: t.split(".")[0],
        lambda _: "",
        lambda t: t * 5,
    ],
)
def test_a_tampered_device_cookie_is_not_recognised(mangle) -> None:
    token = trusted_devices.issue("anna@aurora.example", "key-1")
    assert trusted_devices.recognised(mangle(token), "anna@aurora.example", ["key-1"]) is None


def test_each_account_has_its_own_cookie_on_a_shared_tablet() -> None:
    anna = trusted_devices.cookie_name("anna@aurora.example", secure=True)
    bob = trusted_devices.cookie_name("bob@aurora.example", secure=True)
    assert anna != bob
    assert anna.startswith("__Secure-")
    assert "anna" not in anna


# ---------------------------------------------------------------- links and the metrics token


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:msgbox",
        "//evil.example/x.jpg",
        "/relative.jpg",
        "https://",
        "https:/no-host",
        "file:///etc/passwd",
        "",
        None,
    ],
)
def test_only_web_addresses_are_links(url: str | None) -> None:
    assert web_link(url) is None


@pytest.mark.parametrize(
    "url", ["https://media.example/a.jpg?x=1&y=2", "http://files.example/menu.pdf", "HTTPS://X.EXAMPLE/a"]
)
def test_web_addresses_are(url: str) -> None:
    assert web_link(url) == url


def test_the_metrics_token() -> None:
    assert bearer_accepted(None, "")
    assert bearer_accepted("Bearer s3cret", "s3cret")
    assert bearer_accepted("bearer s3cret", "s3cret")
    for presented in (None, "", "Bearer", "Bearer wrong", "Basic s3cret", "s3cret"):
        assert not bearer_accepted(presented, "s3cret")
