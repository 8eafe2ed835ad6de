"""Signing in without an identity provider: password sign-in, one-time links, and sessions kept in the
database behind a signed cookie.

- A **session** is a random token (256 bits) in a cookie, with an HMAC of it under the installation
  key: `<token>.<mac>`. A forged cookie is refused by the MAC before any query; a stolen database
  gives no working cookie (it keeps only the token's SHA-256). Sessions live in the database, so any
  server of the installation recognises them, and they end when signed out, after `IDLE_HOURS`
  without use, or after `MAX_DAYS` in any case.
- A **one-time link** (`?signin=<token>`) signs its user in once, within its lifetime: 15 minutes for
  `users link`, 7 days for an invitation to a new user, 24 hours for the first-start link that creates
  the installation admin. Used, expired and unknown links change nothing.
- **Password sign-in** is throttled per account (strict) and per client address (generous), counted in
  the database (`leverage.core.throttle`); every attempt lands in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from leverage.access import passwords, signing
from leverage.access.audit import Action, AuditLog
from leverage.access.permissions import Principal, Role
from leverage.access.users import Users, clean_email, clean_person_name
from leverage.core.database import Database, StoreError, aware, now_utc
from leverage.core.i18n import N_, _
from leverage.core.schema import auth_sessions, memberships, organizations, signin_links, users
from leverage.core.throttle import Clock, Policy, Throttle, wait_text

IDLE_HOURS = 12
MAX_DAYS = 7
LINK_MINUTES = 15
INVITE_DAYS = 7
BOOTSTRAP_HOURS = 24
COOKIE_PURPOSE = "session-cookie"
BOOTSTRAP_PREFIX = "first start:"  # created_by of the first-start link, followed by its nonce
#: One account: five free tries, then 2 s doubling to a quarter of an hour (about four guesses an hour).
ACCOUNT = Policy("signin-account", free=5, base_s=2.0, max_s=900.0, forget_s=3600.0)
#: One address: generous, because a hospital's staff may sign in from behind one address.
ADDRESS = Policy("signin-address", free=30, base_s=1.0, max_s=300.0, forget_s=3600.0)
#: One-time links and invitation links that do not verify: per address, like wrong join codes.
LINK_ADDRESS = Policy("link-address", free=20, base_s=1.0, max_s=300.0, forget_s=3600.0)


def signin_url(base: str, token: str) -> str:
    """The address of a one-time link: the sign-in page with the token."""
    return f"{base.rstrip('/')}/signin?signin={token}"


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie to set and who it is."""

    cookie: str
    user_id: int
    method: str


class Sessions:
    def __init__(self, db: Database, users_: Users, audit: AuditLog, key: bytes, clock: Clock = now_utc) -> None:
        self.db = db
        self.users = users_
        self.audit = audit
        self.key = key
        self.clock = clock
        self.throttle = Throttle(db, clock)

    # --- sessions -------------------------------------------------------------------------------------
    def start(self, user_id: int, method: str, address: str = "") -> str:
        """A session for a user whose identity was checked elsewhere (tests, tools); returns the cookie."""
        with self.db.write() as conn:
            return self._start(conn, user_id, method, address)

    def _start(self, conn, user_id: int, method: str, address: str) -> str:
        raw = signing.token()
        now = self.clock()
        conn.execute(auth_sessions.insert().values(
            id=signing.digest(raw), user_id=user_id, method=method, created_at=now, last_seen_at=now,
            expires_at=now + dt.timedelta(days=MAX_DAYS), revoked_at=None, address=address[:64]))
        self.users.touch_signin(conn, user_id)
        return f"{raw}.{signing.sign(self.key, COOKIE_PURPOSE, raw)}"

    def resolve(self, cookie: str | None) -> tuple[int, str] | None:
        """(user id, method) of a live session named by a cookie, else None. Refreshes its idle clock."""
        if not cookie or len(cookie) > 200 or "." not in cookie:
            return None
        raw, _dot, mac = cookie.rpartition(".")
        if not signing.verify(self.key, COOKIE_PURPOSE, raw, mac):
            return None
        now = self.clock()
        sid = signing.digest(raw)
        with self.db.engine.connect() as conn:
            row = conn.execute(sa.select(auth_sessions).where(auth_sessions.c.id == sid)).mappings().first()
        if row is None or row["revoked_at"] is not None or aware(row["expires_at"]) <= now \
                or aware(row["last_seen_at"]) + dt.timedelta(hours=IDLE_HOURS) <= now:
            return None
        if now - aware(row["last_seen_at"]) > dt.timedelta(minutes=5):  # not a write on every rerun
            with self.db.write() as conn:
                conn.execute(auth_sessions.update().where(auth_sessions.c.id == sid).values(last_seen_at=now))
        return int(row["user_id"]), str(row["method"])

    def sign_out(self, cookie: str | None, who: str, address: str = "") -> None:
        if cookie and "." in cookie:
            raw = cookie.rpartition(".")[0]
            with self.db.write() as conn:
                conn.execute(auth_sessions.update().where(auth_sessions.c.id == signing.digest(raw))
                             .values(revoked_at=self.clock()))
                self.audit.record(who, Action.SIGN_OUT, address=address, conn=conn)

    def sign_out_everywhere(self, user_id: int) -> None:
        with self.db.write() as conn:
            conn.execute(auth_sessions.update().where(auth_sessions.c.user_id == user_id,
                                                      auth_sessions.c.revoked_at.is_(None))
                         .values(revoked_at=self.clock()))

    # --- passwords ------------------------------------------------------------------------------------
    def sign_in(self, email: str, password: str, address: str) -> SignedIn:
        """A session for the right password, else StoreError (the same words whether the account exists)."""
        email = (email or "").strip().lower()[:254]
        keys = [(ACCOUNT, email), (ADDRESS, address)]
        wait = self.throttle.wait_seconds(keys)
        if wait > 0:
            self.audit.record(email or "anonymous", Action.SIGN_IN_REFUSED, target=email, address=address)
            raise StoreError(_("Too many failed sign-ins. Wait {value}, then try again.").format(
                                 value=wait_text(wait)))
        row = self.users.by_email(email) if email else None
        if not passwords.verify(row["password_hash"] if row else None, password or ""):
            delay = self.throttle.failed(keys)
            self.audit.record(email or "anonymous", Action.SIGN_IN_FAILED, target=email, address=address)
            extra = " " + _("Wait {value} before the next try.").format(value=wait_text(delay)) if delay else ""
            raise StoreError(_("That e-mail address and password do not match an account.") + extra)
        with self.db.write() as conn:
            if passwords.needs_rehash(row["password_hash"]):
                conn.execute(users.update().where(users.c.id == row["id"])
                             .values(password_hash=passwords.hash_password(password)))
            cookie = self._start(conn, int(row["id"]), "password", address)
            self.audit.record(email, Action.SIGN_IN, detail="password", address=address, conn=conn)
        return SignedIn(cookie, int(row["id"]), "password")

    # --- one-time links -------------------------------------------------------------------------------
    def create_link(self, actor: Principal, user_id: int, minutes: float = LINK_MINUTES, address: str = "") -> str:
        """A one-time sign-in token for a user (the caller makes the URL `<base>/?signin=<token>`)."""
        row = self.users.get(user_id)
        if row is None:
            raise StoreError(_("That user does not exist."))
        if actor.user_id != user_id and not actor.installation_admin:
            managed = [o for o, roles in self.users.roles_of(user_id).items() if roles]
            if not managed or not all(actor.can_manage(o) for o in managed):
                raise StoreError(_("You may send sign-in links only to users of organizations you administer."))
        raw = signing.token()
        now = self.clock()
        with self.db.write() as conn:
            conn.execute(signin_links.insert().values(
                id=signing.digest(raw), user_id=user_id, purpose="signin", created_at=now,
                expires_at=now + dt.timedelta(minutes=minutes), used_at=None, created_by=actor.label))
            self.audit.record(actor.label, Action.LINK_CREATED, target=row["email"],
                              detail=f"valid {minutes:g} minutes", address=address, conn=conn)
        return raw

    def bootstrap_link(self) -> str | None:
        """On first start with no users: a one-time link that makes its opener the installation admin.

        None when users exist. Every server of the installation (and every restart) prints the same link while
        it is unused and unexpired: the token is an HMAC of a nonce kept with the link, under the installation
        key, so it can be made again but not guessed. After 24 hours a new one is drawn.
        """
        if self.users.count() > 0:
            return None
        now = self.clock()
        with self.db.write() as conn:
            rows = conn.execute(sa.select(signin_links).where(signin_links.c.purpose == "bootstrap",
                                                              signin_links.c.used_at.is_(None))).mappings().all()
            for row in rows:
                if aware(row["expires_at"]) > now and row["created_by"].startswith(BOOTSTRAP_PREFIX):
                    return self._bootstrap_token(row["created_by"].removeprefix(BOOTSTRAP_PREFIX))
            conn.execute(signin_links.delete().where(signin_links.c.purpose == "bootstrap"))
            nonce = signing.token()
            raw = self._bootstrap_token(nonce)
            conn.execute(signin_links.insert().values(
                id=signing.digest(raw), user_id=None, purpose="bootstrap", created_at=now,
                expires_at=now + dt.timedelta(hours=BOOTSTRAP_HOURS), used_at=None,
                created_by=BOOTSTRAP_PREFIX + nonce))
        return raw

    def _bootstrap_token(self, nonce: str) -> str:
        return signing.sign(self.key, "bootstrap-link", nonce, length=43)

    def _link_row(self, conn, raw: str) -> dict | None:
        if not raw or len(raw) > 100:
            return None
        row = conn.execute(sa.select(signin_links).where(signin_links.c.id == signing.digest(raw))
                           .with_for_update()).mappings().first()
        return dict(row) if row else None

    def link_status(self, raw: str | None) -> str:
        """valid, bootstrap, used, expired or unknown (for the page's message; changes nothing)."""
        with self.db.engine.connect() as conn:
            row = self._link_row(conn, raw or "")
        if row is None:
            return "unknown"
        if row["used_at"] is not None:
            return "used"
        if aware(row["expires_at"]) <= self.clock():
            return "expired"
        return "bootstrap" if row["purpose"] == "bootstrap" else "valid"

    def redeem_link(self, raw: str, address: str) -> SignedIn:
        """Use a one-time sign-in link: a session for its user, else StoreError (nothing changes)."""
        keys = [(LINK_ADDRESS, address)]
        wait = self.throttle.wait_seconds(keys)
        if wait > 0:
            raise StoreError(_("Too many bad links from this address. Wait {value}, then try again.").format(
                                 value=wait_text(wait)))
        with self.db.write() as conn:
            row = self._link_row(conn, raw)
            problem = self._link_problem(row, "signin")
            if problem is None:
                conn.execute(signin_links.update().where(signin_links.c.id == row["id"]).values(used_at=self.clock()))
                cookie = self._start(conn, int(row["user_id"]), "link", address)
                email = conn.execute(sa.select(users.c.email).where(users.c.id == row["user_id"])).scalar()
                self.audit.record(email, Action.SIGN_IN, detail="one-time link", address=address, conn=conn)
                return SignedIn(cookie, int(row["user_id"]), "link")
        self.throttle.failed(keys)
        self.audit.record("anonymous", Action.LINK_REFUSED, detail=problem, address=address)
        raise StoreError(_(problem))  # the audit log keeps the English words; the person reads their own

    def _link_problem(self, row: dict | None, purpose: str) -> str | None:
        if row is None:
            return N_("This sign-in link is not valid. Ask an admin for a new one.")
        if row["used_at"] is not None:
            return N_("This sign-in link has been used already; each link works once. Ask an admin for a new one.")
        if aware(row["expires_at"]) <= self.clock():
            return N_("This sign-in link has expired. Ask an admin for a new one.")
        if row["purpose"] != purpose:
            return N_("This sign-in link is not valid. Ask an admin for a new one.")
        return None

    def redeem_bootstrap(self, raw: str, email: str, name: str, address: str,
                         demo_organizations: bool = True) -> SignedIn:
        """Create the installation admin from the first-start link, sign them in. With demo data in the
        store they also become admin of its (fictional) organizations, so the app shows something."""
        email = clean_email(email)
        name = clean_person_name(name)
        with self.db.write() as conn:
            row = self._link_row(conn, raw)
            problem = self._link_problem(row, "bootstrap")
            if problem is None and conn.execute(sa.select(users.c.id).limit(1)).first() is not None:
                problem = N_("The installation admin exists already. Sign in, or ask them for a link.")
            if problem is not None:
                raise StoreError(_(problem))
            conn.execute(signin_links.update().where(signin_links.c.id == row["id"]).values(used_at=self.clock()))
            uid = int(conn.execute(users.insert().values(
                email=email, name=name, password_hash=None, installation_admin=True, created_at=self.clock()
            )).inserted_primary_key[0])
            self.audit.record(email, Action.USER_ADDED, target=email, detail="installation admin, first start",
                              address=address, conn=conn)
            if demo_organizations:
                for org in conn.execute(sa.select(organizations.c.id)).scalars():
                    conn.execute(memberships.insert().values(user_id=uid, organization_id=org,
                                                             role=Role.ADMIN.value))
                    self.audit.record(email, Action.ROLE_GRANTED, organization_id=int(org), target=email,
                                      detail="admin (demo data, first start)", address=address, conn=conn)
            cookie = self._start(conn, uid, "link", address)
            self.audit.record(email, Action.SIGN_IN, detail="first-start link", address=address, conn=conn)
        return SignedIn(cookie, uid, "link")
