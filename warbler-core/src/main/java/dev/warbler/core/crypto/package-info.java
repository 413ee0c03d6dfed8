/** Encryption at rest: master and data keys, and the decorators that seal what the store keeps. */
@NullMarked
package dev.warbler.core.crypto;

import org.jspecify.annotations.NullMarked;
