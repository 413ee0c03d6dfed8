/**
 * The client commands of the {@code warbler} CLI ({@code user}, {@code group}, {@code send}, {@code
 * listen}, {@code history}, {@code chat}), built on the Java SDK only.
 */
@NullMarked
package dev.warbler.cli;

import org.jspecify.annotations.NullMarked;
