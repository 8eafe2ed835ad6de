"""Core: what every domain stands on, and nothing about any one of them.

Owns: settings read from the environment (`settings`), the database engine, transactions and the
revision counter (`database`), every table (`schema`) and its Alembic migrations (`migrations`),
backups and restores as one portable file (`backup`), checks of names and text before they reach the
database (`validation`), writing a file whole or not at all (`atomic`), the long response format's
column names (`columns`), the chart look shared by all charts (`chart_style`), the version and citation
(`about`), the one throttle of every guessable secret (`throttle`), the client's address behind
trusted proxies (`clientaddr`), translations and locale formats (`i18n`, its catalogs in
`leverage/locales/`), and numbers and dates written into sentences in the current language (`localized`).

May import: the standard library and third-party packages only, never another part of `leverage`.
"""
