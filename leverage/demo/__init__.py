"""Demo data: seeded fictional organizations, so the app is useful on first start.

Owns: the synthetic responses (`survey`), the demo aims with their measurements (`aims`), and loading
both into an empty store (`loader`), never over real data.

May import: `leverage.core` and the domains.
"""
