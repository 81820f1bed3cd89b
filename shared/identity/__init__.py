"""Identity: the organisation directory, bearer tokens and the current principal."""

from shared.identity.directory import (
    City,
    DirectoryError,
    OrgDirectory,
    Role,
    Unit,
    UnitKind,
    User,
    load_directory,
    parse_directory,
)
from shared.identity.http import Authenticator, PrincipalDep, current_principal, require_roles
from shared.identity.principal import Principal
from shared.identity.tokens import InvalidToken, KeysUnavailable, TokenIssuer, TokenVerifier

__all__ = [
    "Authenticator",
    "City",
    "DirectoryError",
    "InvalidToken",
    "KeysUnavailable",
    "OrgDirectory",
    "Principal",
    "PrincipalDep",
    "Role",
    "TokenIssuer",
    "TokenVerifier",
    "Unit",
    "UnitKind",
    "User",
    "current_principal",
    "load_directory",
    "parse_directory",
    "require_roles",
]
