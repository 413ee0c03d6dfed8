/** The WebSocket gateway: Netty listener, handshake, auth, heartbeats, bounded writes, frames. */
@NullMarked
package dev.warbler.gateway;

import org.jspecify.annotations.NullMarked;
