/** Live connections on this node and how deliveries reach them: Sessions and the in-process bus. */
@NullMarked
package dev.warbler.core.sessions;

import org.jspecify.annotations.NullMarked;
