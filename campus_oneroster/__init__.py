"""The shared OneRoster 1.1 client: the only code in this distribution that speaks HTTP to a provider."""

from campus_oneroster.client import OneRosterClient, WriteResult
from campus_oneroster.config import ConnectionConfig, OAuth1HmacSha256, OAuth2ClientCredentials
from campus_oneroster.filters import Filter, Predicate, where
from campus_oneroster.paging import Page

__all__ = [
    "ConnectionConfig",
    "Filter",
    "OAuth1HmacSha256",
    "OAuth2ClientCredentials",
    "OneRosterClient",
    "Page",
    "Predicate",
    "WriteResult",
    "where",
]
