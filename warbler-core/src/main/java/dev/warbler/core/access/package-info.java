/**
 * Who may connect and act: tokens, app-wide bans and revocations, the authentication throttle,
 * trusted proxies and rate limits.
 */
@NullMarked
package dev.warbler.core.access;

import org.jspecify.annotations.NullMarked;
