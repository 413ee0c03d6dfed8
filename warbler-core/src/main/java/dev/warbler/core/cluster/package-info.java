/**
 * The cluster in one process: {@link dev.warbler.core.cluster.LocalCluster} implements the {@link
 * dev.warbler.core.spi.Bus} and the {@link dev.warbler.core.spi.PresenceRegistry} in memory, for
 * one node or for several nodes in one JVM (the multi-node tests); the scale-out bundle implements
 * the same ports over NATS.
 */
@NullMarked
package dev.warbler.core.cluster;

import org.jspecify.annotations.NullMarked;
