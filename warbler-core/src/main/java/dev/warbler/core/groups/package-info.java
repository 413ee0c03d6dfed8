/** Groups: roles, policies, moderation, join requests and the events that record each change. */
@NullMarked
package dev.warbler.core.groups;

import org.jspecify.annotations.NullMarked;
