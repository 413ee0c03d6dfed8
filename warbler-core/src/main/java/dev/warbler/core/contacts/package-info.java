/** Friend requests, friends and block lists between the users of an app. */
@NullMarked
package dev.warbler.core.contacts;

import org.jspecify.annotations.NullMarked;
