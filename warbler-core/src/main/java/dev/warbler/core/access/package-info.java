/** Who may connect and act: tokens, bans, revocations, auth throttle, proxies and rate limits. */
@NullMarked
package dev.warbler.core.access;

import org.jspecify.annotations.NullMarked;
