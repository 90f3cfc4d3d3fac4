"""The client's address: one rule for every limit (django-ratelimit, django-axes, DRF throttles).

Behind a reverse proxy, ``CLIENT_ADDRESS_META_KEY`` (environment ``RATELIMIT_IP_META_KEY``)
names the header the proxy sets, e.g. ``HTTP_X_REAL_IP``; otherwise the socket's address
is used. Headers a client could send itself (``X-Forwarded-For``) are never trusted unless
named there.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address the request came from, as a plain IPv4 or IPv6 address ('' if unknown)."""
    key = settings.CLIENT_ADDRESS_META_KEY
    address = (request.META.get(key) if key else None) or request.META.get("REMOTE_ADDR") or ""
    # A proxy that appends to a list puts the address it saw last; earlier entries are
    # whatever the client claimed.
    address = address.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def client_key(request) -> str:
    """The address a limit counts by: IPv6 clients per /64, since one host holds a whole /64."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
