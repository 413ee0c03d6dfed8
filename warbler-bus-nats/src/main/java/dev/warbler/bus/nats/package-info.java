/**
 * The scale-out cluster over NATS: {@link dev.warbler.bus.nats.NatsBus} carries events on subjects,
 * {@link dev.warbler.bus.nats.NatsPresenceRegistry} keeps who is online in a JetStream key-value
 * bucket.
 */
@NullMarked
package dev.warbler.bus.nats;

import org.jspecify.annotations.NullMarked;
