/**
 * The embedded store: one SQLite file that the agents of one host share ({@code sqlite:/path.db}).
 * Only {@link dev.baton.store.sqlite.SqliteStoreProvider} is public; it is found through
 * {@link java.util.ServiceLoader}. See {@code docs/store-sqlite.md} for tables, leases and durability.
 */
package dev.baton.store.sqlite;
