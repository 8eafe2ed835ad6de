"""The command line, `python -m leverage`: for operators with shell access to the server.

May import: everything in `leverage` (it is the top layer), preferably through the public API in
`leverage/__init__.py`.
"""
