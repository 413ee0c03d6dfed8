/**
 * Fault injection against a real server process: {@code warbler chaos crash} kills it with SIGKILL
 * while clients send, restarts it on the same data, and checks the history read back with {@link
 * dev.warbler.testkit.HistoryChecker}.
 */
@NullMarked
package dev.warbler.chaos;

import org.jspecify.annotations.NullMarked;
