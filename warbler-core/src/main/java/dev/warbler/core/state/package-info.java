/**
 * State beside the messages, pushed as StateEvents: read and delivery receipts, typing, presence.
 */
@NullMarked
package dev.warbler.core.state;

import org.jspecify.annotations.NullMarked;
