/** What every concept package shares: the error, ids, principal and pages; and Services. */
@NullMarked
package dev.warbler.core;

import org.jspecify.annotations.NullMarked;
