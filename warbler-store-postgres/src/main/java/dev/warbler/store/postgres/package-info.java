/**
 * The clustered store: PostgreSQL through a HikariCP pool, one group-commit writer per node, sync
 * positions from a counter row locked until commit (ADR 0021).
 */
@NullMarked
package dev.warbler.store.postgres;

import org.jspecify.annotations.NullMarked;
