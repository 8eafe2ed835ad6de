"""Alembic's entry point: migrations always run on a connection that `leverage.core.migrations` opened
(and locked), never from an alembic.ini URL, so the app, the command line and the tests share one path."""

from alembic import context

from leverage.core.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
