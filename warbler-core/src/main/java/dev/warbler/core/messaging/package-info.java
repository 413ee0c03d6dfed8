/** Messages and conversations: send, sync, pull, history, lifecycle, settings and templates. */
@NullMarked
package dev.warbler.core.messaging;

import org.jspecify.annotations.NullMarked;
