/** Apps, users and their profiles: the Directory and Profiles in front of their stores. */
@NullMarked
package dev.warbler.core.directory;

import org.jspecify.annotations.NullMarked;
