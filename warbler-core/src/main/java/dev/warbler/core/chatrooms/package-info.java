/** Chatrooms: live rooms held in memory, whose messages are never stored (ADR 0003). */
@NullMarked
package dev.warbler.core.chatrooms;

import org.jspecify.annotations.NullMarked;
