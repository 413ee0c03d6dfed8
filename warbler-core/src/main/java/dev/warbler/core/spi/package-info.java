/** Ports that adapters implement (stores, audit log, bus, connection) and records crossing them. */
@NullMarked
package dev.warbler.core.spi;

import org.jspecify.annotations.NullMarked;
