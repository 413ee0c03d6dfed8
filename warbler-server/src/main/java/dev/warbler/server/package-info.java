/** Configuration, wiring, lifecycle and the command line: the only module that sees everything. */
@NullMarked
package dev.warbler.server;

import org.jspecify.annotations.NullMarked;
