/** The audit trail: security-relevant events, coalesced failures and the keyed hash chain. */
@NullMarked
package dev.warbler.core.audit;

import org.jspecify.annotations.NullMarked;
