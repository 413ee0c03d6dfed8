/** The sensitive-word filter: normalisation, Aho-Corasick matching, word lists and reviews. */
@NullMarked
package dev.warbler.core.moderation;

import org.jspecify.annotations.NullMarked;
