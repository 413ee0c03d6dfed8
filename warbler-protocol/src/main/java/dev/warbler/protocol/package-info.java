/** Protocol v1: generated frames, the two wire encodings, and the error and close catalogs. */
@NullMarked
package dev.warbler.protocol;

import org.jspecify.annotations.NullMarked;
