/** Read and delivery receipts, typing and presence: state pushed beside messages (StateEvent). */
@NullMarked
package dev.warbler.core.state;

import org.jspecify.annotations.NullMarked;
