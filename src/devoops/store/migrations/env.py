"""Alembic environment: always run from `devoops.store.migrate` with a connection handed in."""

from alembic import context

from devoops.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
