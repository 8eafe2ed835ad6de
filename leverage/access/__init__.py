"""Access: who may see and do what, and how people sign in.

Owns: roles per organization and the permission table "which role may do what" (`permissions`), users,
memberships and installation admins (`users`), password hashes (`passwords`), the installation's
signing key and HMAC signatures (`signing`), sessions, one-time sign-in links and password sign-in
throttled per account and per address (`sessions`), single sign-on role mappings (`sso`), named
comparisons both organizations opted in to (`named`), self-assessment invitations (`invitations`) with
their roster (`roster`) and CSV and QR sheet (`sheet`), the append-only audit log (`audit`), and the
`Access` object joining them over one store (`service`).

May import: `leverage.core`, `leverage.survey`.
"""
