package dev.warbler.core.chatrooms;

import dev.warbler.core.messaging.AppendResult;

/** A message sent to a chatroom, and the room epoch its seq counts in. */
public record ChatroomSent(AppendResult result, long epoch) {}
