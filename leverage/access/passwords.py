"""Password hashes (argon2id through argon2-cffi, the reference implementation's binding) and the rules a
new password must meet. No password exists by default: a person gets one only by choosing it after a
one-time link signed them in."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from leverage.core.database import StoreError
from leverage.core.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 1024  # bounded work per attempt
_HASHER = PasswordHasher()  # argon2id with the library's current defaults (RFC 9106 low-memory profile)
#: Verified against when an account has no password, so a miss costs the same time either way.
_DUMMY = _HASHER.hash("no password is set for this account")


def check_new(password: str, email: str = "") -> str:
    """`password` if it may be used, else StoreError naming the rule it breaks."""
    if len(password) < MIN_LENGTH:
        raise StoreError(_("Choose a password of at least {MIN_LENGTH} characters (a few words make a good "
                           "one).").format(MIN_LENGTH=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise StoreError(_("A password may have at most {MAX_LENGTH} characters.").format(MAX_LENGTH=MAX_LENGTH))
    if email and password.strip().lower() == email.strip().lower():
        raise StoreError(_("The password may not be your e-mail address."))
    if len(set(password)) < 4:
        raise StoreError(_("That password repeats too few characters; choose another."))
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, given: str) -> bool:
    """True when `given` matches the stored hash; constant work when there is no hash."""
    if len(given) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored or _DUMMY, given) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
