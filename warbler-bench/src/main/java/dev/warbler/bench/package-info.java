/**
 * {@code warbler bench}: a load generator that runs in its own process against a Warbler server
 * (started separately or spawned as a child JVM), with an open-model scheduler, HdrHistogram
 * latencies corrected for coordinated omission, and lost/duplicate accounting from acks and
 * deliveries.
 */
@NullMarked
package dev.warbler.bench;

import org.jspecify.annotations.NullMarked;
