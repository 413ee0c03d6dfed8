/** The embedded store: SQLite in WAL mode, one writer thread with group commit. */
@NullMarked
package dev.warbler.store.sqlite;

import org.jspecify.annotations.NullMarked;
