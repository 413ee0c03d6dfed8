/** Webhooks: per-app subscriptions, the signed event envelope, the outbox and its dispatcher. */
@NullMarked
package dev.warbler.core.webhooks;

import org.jspecify.annotations.NullMarked;
