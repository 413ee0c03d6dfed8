/** Warbler's domain: conversations, messages, seq, delivery, sync, groups, and the ports. */
@NullMarked
package dev.warbler.core;

import org.jspecify.annotations.NullMarked;
