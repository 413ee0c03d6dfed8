/** Usage metering: per-app, per-day counts of messages, bytes, active users and connections. */
@NullMarked
package dev.warbler.core.metering;

import org.jspecify.annotations.NullMarked;
